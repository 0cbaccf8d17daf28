-- Account registry, version 3: upgrade a first-version registry in place, and operator bookkeeping.
--
-- A platform that ran the first version already has `organizations` and `aws_accounts` (the brief's
-- columns only), so 0001's CREATE TABLE IF NOT EXISTS left them as they were. Every column, default,
-- index and constraint of 0001 is added here when missing; on a registry 0001 created, this is a no-op.
--
-- First-version aksk rows hold Fernet ciphertexts and no KMS key: the row constraints are added
-- NOT VALID, so existing rows are kept as they are (the vendor refuses them: no KMS key on the row)
-- while every new or updated row must satisfy them. `account-tools-admin import-v1` re-encrypts
-- those secrets under KMS (docs/operations.md).

-- organizations
ALTER TABLE organizations ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE organizations ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE organizations ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS organizations_name_idx ON organizations (name);

-- aws_accounts
ALTER TABLE aws_accounts ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE aws_accounts ALTER COLUMN region SET DEFAULT 'us-east-1';
ALTER TABLE aws_accounts ADD COLUMN IF NOT EXISTS enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE aws_accounts ADD COLUMN IF NOT EXISTS secret_kms_key_arn TEXT;
ALTER TABLE aws_accounts ADD COLUMN IF NOT EXISTS secret_encrypted_at TIMESTAMPTZ;
ALTER TABLE aws_accounts ADD COLUMN IF NOT EXISTS created_at TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE aws_accounts ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NOT NULL DEFAULT now();
-- When `account-tools-admin accounts verify` last vended for the account and saw its caller identity.
ALTER TABLE aws_accounts ADD COLUMN IF NOT EXISTS last_verified_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS aws_accounts_org_id_idx ON aws_accounts (org_id);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'aws_accounts'::regclass AND conname = 'aws_accounts_account_id_check') THEN
        ALTER TABLE aws_accounts ADD CONSTRAINT aws_accounts_account_id_check
            CHECK (account_id ~ '^[0-9]{12}$') NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'aws_accounts'::regclass AND conname = 'aws_accounts_auth_type_check') THEN
        ALTER TABLE aws_accounts ADD CONSTRAINT aws_accounts_auth_type_check
            CHECK (auth_type IN ('aksk', 'iam_role')) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'aws_accounts'::regclass AND conname = 'aws_accounts_aksk_fields') THEN
        ALTER TABLE aws_accounts ADD CONSTRAINT aws_accounts_aksk_fields CHECK (
            auth_type <> 'aksk'
            OR (access_key_id IS NOT NULL AND secret_access_key_encrypted IS NOT NULL
                AND secret_kms_key_arn IS NOT NULL)
        ) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'aws_accounts'::regclass AND conname = 'aws_accounts_role_fields') THEN
        ALTER TABLE aws_accounts ADD CONSTRAINT aws_accounts_role_fields
            CHECK (auth_type <> 'iam_role' OR role_arn IS NOT NULL) NOT VALID;
    END IF;
END
$$;

-- Deleting an account (after it was disabled) is an operator action; its grants go with it (ON DELETE
-- CASCADE) and the audit log keeps what it was. Nothing else may delete.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_operator') THEN
        GRANT DELETE ON aws_accounts TO registry_operator;
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
