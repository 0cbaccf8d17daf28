-- Account registry, version 4: the log groups Logs Insights may query, per organization and per account.
--
-- An entry is an exact log-group name (`/aws/lambda/orders-api`) or a prefix pattern ending in `*`
-- (`/aws/lambda/orders-*`). An organization's entries apply to all its accounts; an account's
-- effective allowlist is its organization's entries plus its own (plus the platform-wide default
-- of the deployment, if any). The credential vendor builds the logs_insights session policy from it.
-- A removed entry keeps its row (removed_at, removed_by), like a revoked grant; every change also
-- writes an audit_log row in the same statement.

CREATE TABLE IF NOT EXISTS log_group_allowlist (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      UUID REFERENCES organizations(id) ON DELETE CASCADE,
    account_id  VARCHAR(12) REFERENCES aws_accounts(account_id) ON DELETE CASCADE,
    -- CloudWatch Logs names: 1-512 of [.-_/#A-Za-z0-9]; a pattern adds one trailing '*'.
    -- (PostgreSQL regular expressions allow repetition counts up to 255: the length is checked apart.)
    pattern     TEXT NOT NULL CHECK (pattern ~ '^[-._/#A-Za-z0-9]+[*]?$' AND length(rtrim(pattern, '*')) <= 512),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    removed_by  TEXT,
    removed_at  TIMESTAMPTZ,
    CONSTRAINT log_group_allowlist_removal CHECK ((removed_at IS NULL) = (removed_by IS NULL)),
    CONSTRAINT log_group_allowlist_one_target CHECK ((org_id IS NULL) <> (account_id IS NULL))
);

CREATE UNIQUE INDEX IF NOT EXISTS log_group_allowlist_org_active_unique
    ON log_group_allowlist (org_id, pattern) WHERE org_id IS NOT NULL AND removed_at IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS log_group_allowlist_account_active_unique
    ON log_group_allowlist (account_id, pattern) WHERE account_id IS NOT NULL AND removed_at IS NULL;
