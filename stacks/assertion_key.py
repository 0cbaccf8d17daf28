"""Asymmetric KMS key that signs caller assertions: the interceptor signs, the runtime and vendor verify."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.constants import KMS_ADMIN_ACTIONS
from stacks.nag import acknowledge

# ECDSA over P-256: the one algorithm of the key spec (moto signs and verifies it too, see the brief).
SIGNING_ALGORITHM = "ECDSA_SHA_256"
# Administration without use: the registry key's list, with the Get* family spelled out so the public
# key is read only by the principals named in ``allow_public_key_read``.
ASSERTION_KEY_ADMIN_ACTIONS = (
    *(action for action in KMS_ADMIN_ACTIONS if action != "kms:Get*"),
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
)


class CallerAssertionKey(Construct):
    """ECC_NIST_P256 SIGN_VERIFY key with an explicit key policy.

    Only ``signer`` (the Gateway interceptor's role) may ``kms:Sign``; only ``verifier`` (the
    credential vendor's role) may ``kms:Verify``; the verifier and the principals added with
    ``allow_public_key_read`` (the runtime's role) may ``kms:GetPublicKey`` to verify locally.
    The account root administers the key but may not use it, and explicit Deny statements keep
    Sign and Verify to their one role even if a later statement or grant allowed more. A runtime
    that could sign would mint assertions for any caller: this policy is what prevents it.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        signer: The one role that signs assertions.
        verifier: The one role allowed ``kms:Verify`` (it also reads the public key).
        removal_policy: What happens to the key when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        signer: iam.IRole,
        verifier: iam.IRole,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        # One statement; ``allow_public_key_read`` adds principals to it until synthesis.
        self._public_key_read = iam.PolicyStatement(
            sid="PublicKeyForLocalVerification",
            principals=[iam.ArnPrincipal(verifier.role_arn)],
            actions=["kms:GetPublicKey"],
            resources=["*"],
        )
        policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="KeyAdministrationWithoutUse",
                    principals=[iam.AccountRootPrincipal()],
                    actions=list(ASSERTION_KEY_ADMIN_ACTIONS),
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="OnlyTheInterceptorSigns",
                    principals=[iam.ArnPrincipal(signer.role_arn)],
                    actions=["kms:Sign"],
                    resources=["*"],
                    conditions={"StringEquals": {"kms:SigningAlgorithm": SIGNING_ALGORITHM}},
                ),
                iam.PolicyStatement(
                    sid="OnlyTheVendorVerifies",
                    principals=[iam.ArnPrincipal(verifier.role_arn)],
                    actions=["kms:Verify"],
                    resources=["*"],
                    conditions={"StringEquals": {"kms:SigningAlgorithm": SIGNING_ALGORITHM}},
                ),
                self._public_key_read,
                iam.PolicyStatement(
                    sid="DenySignToEveryOtherPrincipal",
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=["kms:Sign"],
                    resources=["*"],
                    conditions={"StringNotEquals": {"aws:PrincipalArn": signer.role_arn}},
                ),
                iam.PolicyStatement(
                    sid="DenyVerifyToEveryOtherPrincipal",
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=["kms:Verify"],
                    resources=["*"],
                    conditions={"StringNotEquals": {"aws:PrincipalArn": verifier.role_arn}},
                ),
            ]
        )
        self.key = kms.Key(
            self,
            "Key",
            description="Signs caller assertions (Gateway interceptor); the runtime and the vendor verify them",
            key_spec=kms.KeySpec.ECC_NIST_P256,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            policy=policy,
            removal_policy=removal_policy,
            pending_window=Duration.days(7 if removal_policy == RemovalPolicy.DESTROY else 30),
        )
        acknowledge(
            self.key,
            "AwsSolutions-KMS5",
            "KMS does not rotate asymmetric keys; assertions live for seconds, so a new key (a stack "
            "update) takes over at once and verifiers read the public key by key id.",
        )

    @property
    def key_arn(self) -> str:
        """ARN of the key (``ASSERTION_KEY_ID`` of the interceptor, the runtime and the vendor)."""
        return self.key.key_arn

    def allow_public_key_read(self, role: iam.IRole) -> None:
        """Let ``role`` read the public key (``kms:GetPublicKey``) to verify assertions locally."""
        self._public_key_read.add_arn_principal(role.role_arn)
