-- Account registry, version 2: who may act in which accounts, and a record of every change.
--
-- A grant gives one principal (an agent's OAuth client, a user, or a user group) either a whole
-- organization (its accounts, present and future) or one account. The credential vendor vends
-- only for accounts granted to the principal a verified caller assertion names. A revoked grant
-- keeps its row (revoked_at, revoked_by): the history stays, and no function needs DELETE.

CREATE TABLE IF NOT EXISTS grants (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    principal_type TEXT NOT NULL CHECK (principal_type IN ('client', 'user', 'group')),
    principal      TEXT NOT NULL CHECK (length(principal) BETWEEN 1 AND 256),
    org_id         UUID REFERENCES organizations(id) ON DELETE CASCADE,
    account_id     VARCHAR(12) REFERENCES aws_accounts(account_id) ON DELETE CASCADE,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_by     TEXT,
    revoked_at     TIMESTAMPTZ,
    CONSTRAINT grants_revocation CHECK ((revoked_at IS NULL) = (revoked_by IS NULL)),
    CONSTRAINT grants_one_target CHECK ((org_id IS NULL) <> (account_id IS NULL))
);

CREATE UNIQUE INDEX IF NOT EXISTS grants_org_active_unique
    ON grants (principal_type, principal, org_id) WHERE org_id IS NOT NULL AND revoked_at IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS grants_account_active_unique
    ON grants (principal_type, principal, account_id) WHERE account_id IS NOT NULL AND revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS grants_principal_active_idx
    ON grants (principal_type, principal) WHERE revoked_at IS NULL;

-- Who changed what, when: one row per registry change, written in the change's transaction.
CREATE TABLE IF NOT EXISTS audit_log (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    details     JSONB NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS audit_log_object_idx ON audit_log (object_type, object_id, at);

-- The audit log is append-only for the admin function (default privileges give it UPDATE on tables).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_operator') THEN
        REVOKE UPDATE ON audit_log FROM registry_operator;
    END IF;
END
$$;
