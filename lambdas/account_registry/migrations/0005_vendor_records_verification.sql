-- Account registry, version 5: the vendor records when an account last answered as itself.
--
-- Every fresh vend ends with STS credentials whose principal must act in the registered account
-- (the vendor refuses them otherwise): that is a verification of the customer's role or key, made
-- by the only component able to make it. The vendor's database role stays read-only except for this
-- one column (a column-level privilege), so it can stamp aws_accounts.last_verified_at and nothing else.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_vendor') THEN
        GRANT UPDATE (last_verified_at) ON aws_accounts TO registry_vendor;
    END IF;
END
$$;
