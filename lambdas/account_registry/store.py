"""Data access for the account registry (pg8000, PostgreSQL)."""

from __future__ import annotations

import contextlib
import json
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import pg8000.exceptions
import pg8000.native

from account_registry.constants import DB_SOCKET_TIMEOUT_S, DB_STATEMENT_TIMEOUT_MS
from account_registry.models import (
    AccountRecord,
    AccountSummary,
    AuditEntry,
    AuthType,
    Grant,
    LogGroupEntry,
    Organization,
    PrincipalType,
)

T = TypeVar("T")

_ACCOUNT_COLUMNS = (
    "a.id, a.account_id, a.alias, a.auth_type, a.access_key_id, a.secret_access_key_encrypted,"
    " a.secret_kms_key_arn, a.role_arn, COALESCE(a.region, 'us-east-1'), a.org_id, o.external_id,"
    " a.enabled, a.created_at, a.updated_at"
)
_ACCOUNT_FIELDS = (
    "id",
    "account_id",
    "alias",
    "auth_type",
    "access_key_id",
    "secret_access_key_encrypted",
    "secret_kms_key_arn",
    "role_arn",
    "region",
    "org_id",
    "external_id",
    "enabled",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the registry lives.

    Attributes:
        host: Hostname or IP address.
        port: TCP port.
        user: Database role.
        password: The role's password, or its RDS IAM authentication token.
        database: Database name.
        ssl_mode: ``"disable"``, ``"require"`` (TLS, no certificate check, like libpq)
            or ``"verify-full"`` (TLS with certificate and host name checks).
        ca_bundle: PEM file of the CAs trusted for ``verify-full`` (the RDS global bundle in AWS);
            the system trust store when None.
    """

    host: str
    port: int
    user: str
    password: str
    database: str
    ssl_mode: str = "require"
    ca_bundle: str | None = None

    def __repr__(self) -> str:
        return f"DatabaseSettings(host={self.host!r}, port={self.port}, database={self.database!r}, user={self.user!r})"

    @classmethod
    def from_secret(
        cls,
        secret: dict[str, Any],
        *,
        database: str | None = None,
        ssl_mode: str = "require",
        ca_bundle: str | None = None,
    ) -> DatabaseSettings:
        """Build from an RDS-generated Secrets Manager secret (host, port, username, password, dbname)."""
        return cls(
            host=str(secret["host"]),
            port=int(secret.get("port", 5432)),
            user=str(secret["username"]),
            password=str(secret["password"]),
            database=database or str(secret.get("dbname", "postgres")),
            ssl_mode=ssl_mode,
            ca_bundle=ca_bundle,
        )


def ssl_context_for(settings: DatabaseSettings) -> ssl.SSLContext | None:
    """The TLS context of a connection: none, encryption only, or certificate and host name verified."""
    if settings.ssl_mode == "disable":
        return None
    if settings.ssl_mode == "verify-full":
        return ssl.create_default_context(cafile=settings.ca_bundle)  # CERT_REQUIRED + check_hostname
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def connect(settings: DatabaseSettings) -> pg8000.native.Connection:
    """Open a connection to the registry.

    Every socket operation times out after ``DB_SOCKET_TIMEOUT_S`` and every statement after
    ``DB_STATEMENT_TIMEOUT_MS`` (server side), so a registry round trip fits the vendor's budget.

    Raises:
        pg8000.exceptions.InterfaceError: The server cannot be reached, or its certificate is not
            trusted (``verify-full``).
        pg8000.exceptions.DatabaseError: Authentication or database errors.
    """
    return pg8000.native.Connection(
        user=settings.user,
        password=settings.password,
        host=settings.host,
        port=settings.port,
        database=settings.database,
        ssl_context=ssl_context_for(settings),
        timeout=DB_SOCKET_TIMEOUT_S,
        application_name="account-registry",
        startup_params={"statement_timeout": str(DB_STATEMENT_TIMEOUT_MS)},
    )


class RegistryStore:
    """Queries and updates of ``organizations`` and ``aws_accounts``.

    Every statement is parameterized; writes run in a single transaction each.
    """

    def __init__(self, conn: pg8000.native.Connection) -> None:
        self._conn = conn

    @property
    def grants(self) -> GrantStore:
        """Grants and the audit log on the same connection."""
        return GrantStore(self._conn)

    @property
    def log_groups(self) -> LogGroupStore:
        """Log-group allowlist entries on the same connection."""
        return LogGroupStore(self._conn)

    # -- reads -------------------------------------------------------------
    def get_account(self, account_id: str) -> AccountRecord | None:
        """The account row with its organization's ExternalId, or None if not registered."""
        rows = self._conn.run(
            f"SELECT {_ACCOUNT_COLUMNS} FROM aws_accounts a JOIN organizations o ON o.id = a.org_id"  # noqa: S608
            " WHERE a.account_id = :account_id",
            account_id=account_id,
        )
        if not rows:
            return None
        return AccountRecord(**dict(zip(_ACCOUNT_FIELDS, rows[0], strict=True)))

    def list_accounts(self, *, include_disabled: bool = False) -> list[AccountSummary]:
        """Accounts ordered by account id, without any secret material."""
        rows = self._conn.run(
            "SELECT account_id, alias, auth_type, COALESCE(region, 'us-east-1'), enabled FROM aws_accounts"
            " WHERE enabled OR :include_disabled ORDER BY account_id",
            include_disabled=include_disabled,
        )
        return [AccountSummary(account_id=r[0], alias=r[1], auth_type=r[2], region=r[3], enabled=r[4]) for r in rows]

    def get_organization(self, org_id: UUID) -> Organization | None:
        """An organization by id, or None."""
        rows = self._conn.run(
            "SELECT id, name, external_id, created_at FROM organizations WHERE id = :id", id=str(org_id)
        )
        return (
            Organization(id=rows[0][0], name=rows[0][1], external_id=rows[0][2], created_at=rows[0][3])
            if rows
            else None
        )

    def list_organizations(self) -> list[Organization]:
        """Every organization ordered by name."""
        rows = self._conn.run("SELECT id, name, external_id, created_at FROM organizations ORDER BY name")
        return [Organization(id=r[0], name=r[1], external_id=r[2], created_at=r[3]) for r in rows]

    # -- writes ------------------------------------------------------------
    def create_organization(self, *, name: str, external_id: str) -> Organization:
        """Insert an organization with a caller-generated ExternalId."""
        rows = self._conn.run(
            "INSERT INTO organizations (name, external_id) VALUES (:name, :external_id)"
            " RETURNING id, name, external_id, created_at",
            name=name,
            external_id=external_id,
        )
        return Organization(id=rows[0][0], name=rows[0][1], external_id=rows[0][2], created_at=rows[0][3])

    def insert_account(
        self,
        *,
        account_id: str,
        org_id: UUID,
        auth_type: AuthType,
        alias: str | None,
        region: str,
        role_arn: str | None = None,
        access_key_id: str | None = None,
        secret_access_key_encrypted: str | None = None,
        secret_kms_key_arn: str | None = None,
    ) -> AccountRecord:
        """Register an account; the aksk secret must already be KMS-encrypted for this row.

        Raises:
            pg8000.exceptions.DatabaseError: Duplicate account id, unknown org, or a violated constraint.
        """
        self._conn.run(
            "INSERT INTO aws_accounts (account_id, org_id, auth_type, alias, region, role_arn, access_key_id,"
            " secret_access_key_encrypted, secret_kms_key_arn, secret_encrypted_at)"
            " VALUES (:account_id, :org_id, :auth_type, :alias, :region, :role_arn, :access_key_id,"
            " :ciphertext, :key_arn, CASE WHEN CAST(:ciphertext AS TEXT) IS NULL THEN NULL ELSE now() END)",
            account_id=account_id,
            org_id=str(org_id),
            auth_type=auth_type,
            alias=alias,
            region=region,
            role_arn=role_arn,
            access_key_id=access_key_id,
            ciphertext=secret_access_key_encrypted,
            key_arn=secret_kms_key_arn,
        )
        record = self.get_account(account_id)
        assert record is not None
        return record

    def set_enabled(self, account_id: str, *, enabled: bool) -> bool:
        """Enable or disable an account. Returns False if it is not registered."""
        self._conn.run(
            "UPDATE aws_accounts SET enabled = :enabled, updated_at = now() WHERE account_id = :account_id",
            enabled=enabled,
            account_id=account_id,
        )
        return bool(self._conn.row_count)

    def replace_secret(
        self, account_id: str, *, access_key_id: str, secret_access_key_encrypted: str, secret_kms_key_arn: str
    ) -> bool:
        """Store a rotated aksk key pair (already encrypted). Returns False if no aksk row matched."""
        self._conn.run(
            "UPDATE aws_accounts SET access_key_id = :access_key_id, secret_access_key_encrypted = :ciphertext,"
            " secret_kms_key_arn = :key_arn, secret_encrypted_at = :now, updated_at = :now"
            " WHERE account_id = :account_id AND auth_type = 'aksk'",
            access_key_id=access_key_id,
            ciphertext=secret_access_key_encrypted,
            key_arn=secret_kms_key_arn,
            now=datetime.now(UTC),
            account_id=account_id,
        )
        return bool(self._conn.row_count)

    # -- operator bookkeeping (the admin function) -----------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around the block: every change and its audit row commit together, or neither."""
        self._conn.run("BEGIN")
        try:
            yield
        except BaseException:
            with contextlib.suppress(pg8000.exceptions.InterfaceError, OSError):
                self._conn.run("ROLLBACK")
            raise
        self._conn.run("COMMIT")

    def audit(self, *, actor: str, action: str, object_type: str, object_id: str, details: dict[str, Any]) -> None:
        """Append one audit row (call inside the change's transaction; never put secret values in ``details``)."""
        self._conn.run(
            "INSERT INTO audit_log (actor, action, object_type, object_id, details)"
            " VALUES (:actor, :action, :object_type, :object_id, CAST(:details AS JSONB))",
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            details=json.dumps(details, default=str),
        )

    def lock(self, key: str) -> None:
        """Serialize concurrent transactions on ``key`` until this transaction ends (advisory lock)."""
        self._conn.run("SELECT pg_advisory_xact_lock(hashtext(:key))", key=key)

    def find_organizations(self, *, name: str | None = None, external_id: str | None = None) -> list[Organization]:
        """Organizations with this name and/or ExternalId, oldest first."""
        rows = self._conn.run(
            "SELECT id, name, external_id, created_at FROM organizations"
            " WHERE (CAST(:name AS TEXT) IS NULL OR name = :name)"
            " AND (CAST(:external_id AS TEXT) IS NULL OR external_id = :external_id) ORDER BY created_at, id",
            name=name,
            external_id=external_id,
        )
        return [Organization(id=r[0], name=r[1], external_id=r[2], created_at=r[3]) for r in rows]

    def account_details(self, account_id: str) -> dict[str, Any] | None:
        """What an operator may see of one account (no secret, no ExternalId), or None."""
        rows = self._conn.run(
            "SELECT a.account_id, a.alias, a.auth_type, COALESCE(a.region, 'us-east-1'), a.enabled, a.role_arn,"
            " a.access_key_id, a.org_id, o.name, a.secret_kms_key_arn IS NOT NULL, a.secret_encrypted_at,"
            " a.last_verified_at, a.created_at, a.updated_at"
            " FROM aws_accounts a LEFT JOIN organizations o ON o.id = a.org_id WHERE a.account_id = :account_id",
            account_id=account_id,
        )
        if not rows:
            return None
        r = rows[0]
        secret = None if r[2] != "aksk" else ("kms" if r[9] else "first-version (not usable: run import-v1)")
        return {
            "account_id": r[0], "alias": r[1], "auth_type": r[2], "region": r[3], "enabled": r[4],
            "role_arn": r[5], "access_key_id": r[6], "org_id": str(r[7]) if r[7] else None, "org_name": r[8],
            "secret": secret, "secret_encrypted_at": r[10], "last_verified_at": r[11],
            "created_at": r[12], "updated_at": r[13],
        }  # fmt: skip

    def update_account(self, account_id: str, changes: dict[str, Any]) -> bool:
        """Set ``changes`` (alias, region, role_arn only) on an account. Returns False if it is not registered."""
        allowed = {"alias", "region", "role_arn"}
        if not changes or set(changes) - allowed:
            raise ValueError(f"only {sorted(allowed)} can be updated")
        assignments = ", ".join(f"{column} = :{column}" for column in sorted(changes))
        self._conn.run(
            f"UPDATE aws_accounts SET {assignments}, updated_at = now() WHERE account_id = :account_id",  # noqa: S608 - column names from the allow-list above
            account_id=account_id,
            **changes,
        )
        return bool(self._conn.row_count)

    def delete_account(self, account_id: str) -> bool:
        """Delete an account row (its grants cascade). Returns False if it is not registered."""
        self._conn.run("DELETE FROM aws_accounts WHERE account_id = :account_id", account_id=account_id)
        return bool(self._conn.row_count)

    def record_verification(self, account_id: str) -> None:
        """Stamp ``last_verified_at`` (UTC now)."""
        self._conn.run(
            "UPDATE aws_accounts SET last_verified_at = now() WHERE account_id = :account_id", account_id=account_id
        )


_GRANT_COLUMNS = "id, principal_type, principal, org_id, account_id, created_by, created_at, revoked_by, revoked_at"
_GRANT_FIELDS = tuple(c.strip() for c in _GRANT_COLUMNS.split(","))


def _grant(row: list[Any]) -> Grant:
    return Grant(**dict(zip(_GRANT_FIELDS, row, strict=True)))


def _principal_filter(principals: list[tuple[str, str]], params: dict[str, Any]) -> str:
    """``(g.principal_type, g.principal)`` in ``principals``, as bound parameters (never interpolated)."""
    clauses = []
    for i, (kind, name) in enumerate(principals):
        params[f"t{i}"] = kind
        params[f"p{i}"] = name
        clauses.append(f"(g.principal_type = :t{i} AND g.principal = :p{i})")
    return " OR ".join(clauses) or "FALSE"


class GrantStore:
    """Grants (who may act in which accounts) and the audit log, on one registry connection.

    Every change writes its audit row in the same statement (one transaction).
    """

    def __init__(self, conn: pg8000.native.Connection) -> None:
        self._conn = conn

    # -- authorization reads (the vendor) ------------------------------------------
    def granted_accounts(self, principals: list[tuple[str, str]]) -> list[AccountSummary]:
        """Enabled accounts any of ``principals`` is granted, directly or through their organization."""
        params: dict[str, Any] = {}
        where = _principal_filter(principals, params)
        rows = self._conn.run(
            "SELECT DISTINCT a.account_id, a.alias, a.auth_type, COALESCE(a.region, 'us-east-1'), a.enabled"  # noqa: S608 - placeholders and constant column lists only
            " FROM aws_accounts a JOIN grants g ON g.revoked_at IS NULL"
            " AND (g.account_id = a.account_id OR g.org_id = a.org_id)"
            f" WHERE a.enabled AND ({where}) ORDER BY a.account_id",
            **params,
        )
        return [AccountSummary(account_id=r[0], alias=r[1], auth_type=r[2], region=r[3], enabled=r[4]) for r in rows]

    def is_granted(self, principals: list[tuple[str, str]], account_id: str) -> bool:
        """Whether any of ``principals`` holds an active grant on ``account_id`` or its organization."""
        params: dict[str, Any] = {"account_id": account_id}
        where = _principal_filter(principals, params)
        rows = self._conn.run(
            "SELECT 1 FROM aws_accounts a JOIN grants g ON g.revoked_at IS NULL"  # noqa: S608 - placeholders and constant column lists only
            " AND (g.account_id = a.account_id OR g.org_id = a.org_id)"
            f" WHERE a.account_id = :account_id AND ({where}) LIMIT 1",
            **params,
        )
        return bool(rows)

    # -- administration (the admin function) ---------------------------------------
    def add_grant(
        self,
        *,
        principal_type: PrincipalType,
        principal: str,
        org_id: UUID | None,
        account_id: str | None,
        actor: str,
    ) -> Grant:
        """Grant an organization or an account; an identical active grant is returned as it is.

        Raises:
            pg8000.exceptions.DatabaseError: Unknown organization or account, or both/neither given.
        """
        existing = self.list_grants(
            principal_type=principal_type, principal=principal, org_id=org_id, account_id=account_id
        )
        if existing:
            return existing[0]
        details = json.dumps({"principal_type": principal_type, "principal": principal,
                              "org_id": str(org_id) if org_id else None, "account_id": account_id})  # fmt: skip
        rows = self._conn.run(
            f"WITH g AS (INSERT INTO grants (principal_type, principal, org_id, account_id, created_by)"  # noqa: S608 - placeholders and constant column lists only
            " VALUES (:principal_type, :principal, CAST(:org_id AS UUID), :account_id, :actor)"
            f" RETURNING {_GRANT_COLUMNS}),"
            " audit AS (INSERT INTO audit_log (actor, action, object_type, object_id, details)"
            " SELECT :actor, 'grant', 'grant', CAST(g.id AS TEXT), CAST(:details AS JSONB) FROM g)"
            f" SELECT {_GRANT_COLUMNS} FROM g",
            principal_type=principal_type,
            principal=principal,
            org_id=str(org_id) if org_id else None,
            account_id=account_id,
            actor=actor,
            details=details,
        )
        return _grant(rows[0])

    def revoke_grant(self, grant_id: UUID, *, actor: str) -> Grant | None:
        """Revoke an active grant (the row stays, marked revoked). None when no active grant has that id."""
        rows = self._conn.run(
            f"WITH g AS (UPDATE grants SET revoked_at = now(), revoked_by = :actor"  # noqa: S608 - placeholders and constant column lists only
            f" WHERE id = CAST(:id AS UUID) AND revoked_at IS NULL RETURNING {_GRANT_COLUMNS}),"
            " audit AS (INSERT INTO audit_log (actor, action, object_type, object_id, details)"
            " SELECT :actor, 'revoke', 'grant', CAST(g.id AS TEXT),"
            " jsonb_build_object('principal_type', g.principal_type, 'principal', g.principal,"
            " 'org_id', g.org_id, 'account_id', g.account_id) FROM g)"
            f" SELECT {_GRANT_COLUMNS} FROM g",
            id=str(grant_id),
            actor=actor,
        )
        return _grant(rows[0]) if rows else None

    def list_grants(
        self,
        *,
        principal_type: PrincipalType | None = None,
        principal: str | None = None,
        org_id: UUID | None = None,
        account_id: str | None = None,
        include_revoked: bool = False,
    ) -> list[Grant]:
        """Grants matching every given filter, newest first."""
        rows = self._conn.run(
            f"SELECT {_GRANT_COLUMNS} FROM grants WHERE (revoked_at IS NULL OR :include_revoked)"  # noqa: S608
            " AND (CAST(:principal_type AS TEXT) IS NULL OR principal_type = :principal_type)"
            " AND (CAST(:principal AS TEXT) IS NULL OR principal = :principal)"
            " AND (CAST(:org_id AS UUID) IS NULL OR org_id = CAST(:org_id AS UUID))"
            " AND (CAST(:account_id AS TEXT) IS NULL OR account_id = :account_id)"
            " ORDER BY created_at DESC",
            include_revoked=include_revoked,
            principal_type=principal_type,
            principal=principal,
            org_id=str(org_id) if org_id else None,
            account_id=account_id,
        )
        return [_grant(r) for r in rows]

    def list_audit(
        self,
        *,
        object_type: str | None = None,
        object_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        """Audit entries matching the filters (``since`` inclusive, ``until`` exclusive), oldest first."""
        rows = self._conn.run(
            "SELECT id, at, actor, action, object_type, object_id, details FROM audit_log"
            " WHERE (CAST(:object_type AS TEXT) IS NULL OR object_type = :object_type)"
            " AND (CAST(:object_id AS TEXT) IS NULL OR object_id = :object_id)"
            " AND (CAST(:since AS TIMESTAMPTZ) IS NULL OR at >= CAST(:since AS TIMESTAMPTZ))"
            " AND (CAST(:until AS TIMESTAMPTZ) IS NULL OR at < CAST(:until AS TIMESTAMPTZ))"
            " ORDER BY at, id LIMIT :limit",
            object_type=object_type,
            object_id=object_id,
            since=since,
            until=until,
            limit=limit,
        )
        return [
            AuditEntry(id=r[0], at=r[1], actor=r[2], action=r[3], object_type=r[4], object_id=r[5], details=r[6])
            for r in rows
        ]


_ENTRY_COLUMNS = "id, org_id, account_id, pattern, created_by, created_at, removed_by, removed_at"
_ENTRY_FIELDS = tuple(c.strip() for c in _ENTRY_COLUMNS.split(","))


def _entry(row: list[Any]) -> LogGroupEntry:
    return LogGroupEntry(**dict(zip(_ENTRY_FIELDS, row, strict=True)))


class LogGroupStore:
    """Log-group allowlist entries per organization and per account (``log_group_allowlist``).

    Every change writes its audit row in the same statement (one transaction).
    """

    def __init__(self, conn: pg8000.native.Connection) -> None:
        self._conn = conn

    def effective_patterns(self, account_id: str) -> list[str]:
        """The active entries of ``account_id`` and of its organization, sorted, without duplicates."""
        rows = self._conn.run(
            "SELECT DISTINCT e.pattern FROM aws_accounts a JOIN log_group_allowlist e ON e.removed_at IS NULL"
            " AND (e.account_id = a.account_id OR e.org_id = a.org_id)"
            " WHERE a.account_id = :account_id ORDER BY e.pattern",
            account_id=account_id,
        )
        return [str(r[0]) for r in rows]

    def list_entries(
        self, *, org_id: UUID | None = None, account_id: str | None = None, include_removed: bool = False
    ) -> list[LogGroupEntry]:
        """Entries of an organization, or of an account and its organization (both when neither is given)."""
        rows = self._conn.run(
            f"SELECT {_ENTRY_COLUMNS} FROM log_group_allowlist e"  # noqa: S608 - constant column list only
            " WHERE (e.removed_at IS NULL OR :include_removed)"
            " AND (CAST(:org_id AS UUID) IS NULL OR e.org_id = CAST(:org_id AS UUID))"
            " AND (CAST(:account_id AS TEXT) IS NULL OR e.account_id = :account_id"
            "      OR e.org_id = (SELECT org_id FROM aws_accounts WHERE account_id = :account_id))"
            " ORDER BY e.org_id NULLS LAST, e.account_id, e.pattern, e.created_at",
            include_removed=include_removed,
            org_id=str(org_id) if org_id else None,
            account_id=account_id,
        )
        return [_entry(r) for r in rows]

    def add_entry(self, *, org_id: UUID | None, account_id: str | None, pattern: str, actor: str) -> LogGroupEntry:
        """Add an entry for an organization or an account; an identical active entry is returned as it is.

        Raises:
            pg8000.exceptions.DatabaseError: Unknown organization or account, both/neither given, or a
                malformed pattern.
        """
        existing = [
            e
            for e in self.list_entries(org_id=org_id, account_id=account_id)
            if e.pattern == pattern and e.org_id == org_id and e.account_id == account_id
        ]
        if existing:
            return existing[0]
        details = json.dumps({"pattern": pattern, "org_id": str(org_id) if org_id else None, "account_id": account_id})
        rows = self._conn.run(
            "WITH e AS (INSERT INTO log_group_allowlist (org_id, account_id, pattern, created_by)"  # noqa: S608 - constant column list only
            f" VALUES (CAST(:org_id AS UUID), :account_id, :pattern, :actor) RETURNING {_ENTRY_COLUMNS}),"
            " audit AS (INSERT INTO audit_log (actor, action, object_type, object_id, details)"
            " SELECT :actor, 'allow', 'log_group', CAST(e.id AS TEXT), CAST(:details AS JSONB) FROM e)"
            f" SELECT {_ENTRY_COLUMNS} FROM e",
            org_id=str(org_id) if org_id else None,
            account_id=account_id,
            pattern=pattern,
            actor=actor,
            details=details,
        )
        return _entry(rows[0])

    def remove_entry(
        self, *, org_id: UUID | None, account_id: str | None, pattern: str, actor: str
    ) -> LogGroupEntry | None:
        """Remove the active entry ``pattern`` of an organization or account (the row stays, marked removed).

        Returns:
            The removed entry, or None when no active entry matched.
        """
        rows = self._conn.run(
            "WITH e AS (UPDATE log_group_allowlist SET removed_at = now(), removed_by = :actor"  # noqa: S608 - constant column list only
            " WHERE removed_at IS NULL AND pattern = :pattern"
            " AND ((CAST(:org_id AS UUID) IS NOT NULL AND org_id = CAST(:org_id AS UUID))"
            "      OR (CAST(:account_id AS TEXT) IS NOT NULL AND account_id = :account_id))"
            f" RETURNING {_ENTRY_COLUMNS}),"
            " audit AS (INSERT INTO audit_log (actor, action, object_type, object_id, details)"
            " SELECT :actor, 'remove', 'log_group', CAST(e.id AS TEXT),"
            " jsonb_build_object('pattern', e.pattern, 'org_id', e.org_id, 'account_id', e.account_id) FROM e)"
            f" SELECT {_ENTRY_COLUMNS} FROM e",
            org_id=str(org_id) if org_id else None,
            account_id=account_id,
            pattern=pattern,
            actor=actor,
        )
        return _entry(rows[0]) if rows else None

    def accounts_of(self, org_id: UUID) -> list[str]:
        """Every account id of an organization (enabled or not), sorted."""
        rows = self._conn.run(
            "SELECT account_id FROM aws_accounts WHERE org_id = CAST(:org_id AS UUID) ORDER BY account_id",
            org_id=str(org_id),
        )
        return [str(r[0]) for r in rows]


def is_auth_failure(exc: Exception) -> bool:
    """Whether PostgreSQL refused the login (SQLSTATE 28P01/28000), e.g. after a password rotation."""
    detail = exc.args[0] if exc.args else None
    return isinstance(detail, dict) and detail.get("C") in {"28P01", "28000"}


class RegistryConnection:
    """One lazily opened, reusable registry connection (per Lambda execution environment).

    Args:
        settings_provider: Returns connection settings; called on every (re)connect with
            ``refresh=True`` after a refused login, so a rotated password is fetched anew.
    """

    def __init__(self, settings_provider: Callable[[bool], DatabaseSettings]) -> None:
        self._settings_provider = settings_provider
        self._conn: pg8000.native.Connection | None = None
        self._refresh = False

    def store(self) -> RegistryStore:
        """A store on the open connection, connecting first if needed."""
        if self._conn is None:
            settings = self._settings_provider(self._refresh)
            self._refresh = False
            self._conn = connect(settings)
        return RegistryStore(self._conn)

    def reset(self, *, refresh_settings: bool = False) -> None:
        """Drop the connection (after an error) so the next call reconnects."""
        conn, self._conn = self._conn, None
        self._refresh = self._refresh or refresh_settings
        if conn is not None:
            with contextlib.suppress(pg8000.exceptions.InterfaceError, OSError):
                conn.close()

    def run(self, operation: Callable[[RegistryStore], T], *, retry: bool = True) -> T:
        """Run ``operation`` on the store, retrying once on a stale connection or a rotated password.

        Pass ``retry=False`` for writes: a connection lost during ``COMMIT`` leaves the outcome unknown,
        and running the change again could apply it twice (check the connection with a read first).

        Raises:
            pg8000.exceptions.InterfaceError, OSError: The database is unreachable (after one retry).
            pg8000.exceptions.DatabaseError: The statement failed, or the login was refused twice.
        """
        for attempt in (1, 2) if retry else (2,):
            try:
                return operation(self.store())
            except (pg8000.exceptions.InterfaceError, OSError):
                self.reset()
                if attempt == 2:
                    raise
            except pg8000.exceptions.DatabaseError as exc:
                auth = is_auth_failure(exc)
                self.reset(refresh_settings=auth)
                if attempt == 2 or not auth:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover
