-- Account registry, version 1: organizations and the AWS accounts agents may target.
-- Keeps the names of the platform's existing registry (organizations, aws_accounts)
-- and adds what credential vending needs: an enabled flag, timestamps and
-- per-row encryption metadata for the aksk secret.

CREATE TABLE IF NOT EXISTS organizations (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name        TEXT NOT NULL,
    external_id TEXT UNIQUE NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS aws_accounts (
    id                          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id                  VARCHAR(12) UNIQUE NOT NULL CHECK (account_id ~ '^[0-9]{12}$'),
    alias                       TEXT,
    auth_type                   TEXT NOT NULL CHECK (auth_type IN ('aksk', 'iam_role')),
    access_key_id               TEXT,
    secret_access_key_encrypted TEXT,
    role_arn                    TEXT,
    region                      TEXT DEFAULT 'us-east-1',
    org_id                      UUID NOT NULL REFERENCES organizations(id),
    enabled                     BOOLEAN NOT NULL DEFAULT TRUE,
    secret_kms_key_arn          TEXT,
    secret_encrypted_at         TIMESTAMPTZ,
    created_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT aws_accounts_aksk_fields CHECK (
        auth_type <> 'aksk'
        OR (access_key_id IS NOT NULL AND secret_access_key_encrypted IS NOT NULL AND secret_kms_key_arn IS NOT NULL)
    ),
    CONSTRAINT aws_accounts_role_fields CHECK (auth_type <> 'iam_role' OR role_arn IS NOT NULL)
);

CREATE INDEX IF NOT EXISTS aws_accounts_org_id_idx ON aws_accounts (org_id);
