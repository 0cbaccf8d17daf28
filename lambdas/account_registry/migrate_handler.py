"""CloudFormation custom resource (CDK Provider framework ``on_event``) applying registry migrations.

Create and Update first make sure the per-function database roles exist (logged in as the master
user, the only use of its secret), then apply every pending migration logged in as the migrator
role (RDS IAM authentication in AWS); Delete leaves the schema alone
(the database's own removal policy decides its fate). Failures raise, so the
Provider framework reports FAILED and CloudFormation rolls back.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from account_registry.log_safety import silence_sdk_wire_logs
from account_registry.migrate import apply_migrations, current_version
from account_registry.roles import ensure_roles
from account_registry.settings import MigrationSettings
from account_registry.store import connect

PHYSICAL_RESOURCE_ID = "account-registry-schema"
logger = Logger(service="registry-migrations")
silence_sdk_wire_logs()


# The CloudFormation event carries a presigned response URL: never log it.
@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Apply migrations on Create/Update.

    Returns:
        ``{"PhysicalResourceId": ..., "Data": {"SchemaVersion": "NNNN", "Applied": "0001,0002"}}``.

    Raises:
        account_registry.migrate.MigrationError: An applied migration was edited.
        account_registry.roles.RoleSetupError: IAM authentication asked for on a server without it.
        pg8000.exceptions.Error: The database refused a migration (it is rolled back).
    """
    request_type = event.get("RequestType")
    if request_type == "Delete":
        logger.info("delete: schema left in place")
        return {"PhysicalResourceId": event.get("PhysicalResourceId", PHYSICAL_RESOURCE_ID)}
    settings = MigrationSettings.from_env()
    master = connect(settings.master_database_settings())
    try:
        ensure_roles(master, iam_auth=settings.registry_db_auth == "iam")
    finally:
        master.close()
    conn = connect(settings.database_settings())
    try:
        applied = apply_migrations(conn)
        version = current_version(conn) or ""
    finally:
        conn.close()
    logger.info("migrations applied", extra={"applied": applied, "schema_version": version})
    return {
        "PhysicalResourceId": PHYSICAL_RESOURCE_ID,
        "Data": {"SchemaVersion": version, "Applied": ",".join(applied)},
    }
