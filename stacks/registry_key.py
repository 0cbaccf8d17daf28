"""KMS key that encrypts the long-lived secrets stored in the account registry."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from credential_vendor.constants import ENCRYPTION_CONTEXT_ACCOUNT_KEY, ENCRYPTION_CONTEXT_ORG_KEY
from stacks.constants import KMS_ADMIN_ACTIONS

ENCRYPTION_CONTEXT_KEYS = (ENCRYPTION_CONTEXT_ACCOUNT_KEY, ENCRYPTION_CONTEXT_ORG_KEY)


def encryption_context_conditions() -> dict[str, dict[str, object]]:
    """Conditions every use of the key must meet: a row-bound encryption context.

    The context may only use the registry's keys (account id, org id) and must name the account,
    so a ciphertext only decrypts for the row it was written for.
    """
    return {
        "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(ENCRYPTION_CONTEXT_KEYS)},
        "Null": {f"kms:EncryptionContext:{ENCRYPTION_CONTEXT_ACCOUNT_KEY}": "false"},
    }


class RegistryKey(Construct):
    """Customer-managed KMS key for registry secrets, with an explicit key policy.

    The account (root) may administer the key but not use it: no IAM policy can ever grant
    Encrypt or Decrypt. Only the principals passed here may, and only with the row's encryption
    context: ``decrypters`` get ``kms:Decrypt`` (the credential vendor), ``encrypters`` get
    ``kms:Encrypt`` (account administration). Key rotation is enabled.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        decrypters: Principals allowed ``kms:Decrypt``.
        encrypters: Principals allowed ``kms:Encrypt``.
        removal_policy: ``RETAIN`` keeps the key (and so the stored secrets readable) after stack deletion.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        decrypters: list[iam.IRole],
        encrypters: list[iam.IRole],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        conditions = encryption_context_conditions()
        policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="KeyAdministrationWithoutUse",
                    principals=[iam.AccountRootPrincipal()],
                    actions=list(KMS_ADMIN_ACTIONS),
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="DecryptWithRowEncryptionContext",
                    principals=[iam.ArnPrincipal(role.role_arn) for role in decrypters],
                    actions=["kms:Decrypt"],
                    resources=["*"],
                    conditions=conditions,
                ),
                iam.PolicyStatement(
                    sid="EncryptWithRowEncryptionContext",
                    principals=[iam.ArnPrincipal(role.role_arn) for role in encrypters],
                    actions=["kms:Encrypt"],
                    resources=["*"],
                    conditions=conditions,
                ),
            ]
        )
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts long-lived secrets in the account registry (encryption context: account_id, org_id)",
            enable_key_rotation=True,
            rotation_period=Duration.days(365),
            policy=policy,
            removal_policy=removal_policy,
            pending_window=Duration.days(7 if removal_policy == RemovalPolicy.DESTROY else 30),
        )
