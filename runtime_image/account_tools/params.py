"""Lenient tool parameters: every number, boolean, array and object accepts its JSON form too.

Models often send ``"50"`` for an integer or a JSON-encoded string for an array or
object, and the AgentCore Gateway validates arguments against each tool's input
schema before the call. Each type here advertises both forms (``anyOf``), this
one layer normalizes them to the native type, and a bad value fails validation
with an error naming the field and the expected form. Ranges and enums are
still enforced on the normalized value.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

T = TypeVar("T")

# Patterns are JSON Schema patterns, i.e. ECMA-262 regular expressions: [0-9] rather than \d (which is
# Unicode-aware in Python and pydantic's Rust engine), and no inline flags such as (?i:...) (Ajv refuses them).
# The string branches carry no description: the parameter's own description covers both forms.
_INT_STRING = Annotated[str, Field(pattern=r"^-?[0-9]+$")]
_NUMBER_STRING = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")]
_BOOL_STRING = Annotated[str, Field(pattern=r"^(true|false|True|False)$")]
_JSON_STRING = str  # the same value, JSON-encoded

# Bounds on every structured (array or object) argument, checked before anything parses it deeply:
# a cost filter nested thousands of levels deep must be a clear error, not a RecursionError.
MAX_JSON_DEPTH = 12
MAX_JSON_NODES = 1000
MAX_JSON_CHARS = 32_000


def _to_int(value: int | str) -> int:
    return value if isinstance(value, int) else int(value.strip())


def _to_float(value: float | str) -> float:
    return value if isinstance(value, float | int) else float(value.strip())


def _to_bool(value: bool | str) -> bool:
    return value if isinstance(value, bool) else value.lower() == "true"


def lenient_int(*, ge: int | None = None, le: int | None = None) -> Any:
    """An integer parameter that also accepts ``"50"``; the range applies to both forms."""

    def check(value: int) -> int:
        if ge is not None and value < ge:
            raise ValueError(f"Input should be greater than or equal to {ge}")
        if le is not None and value > le:
            raise ValueError(f"Input should be less than or equal to {le}")
        return value

    return Annotated[Annotated[int, Field(ge=ge, le=le)] | _INT_STRING, AfterValidator(_to_int), AfterValidator(check)]


LenientFloat = Annotated[float | _NUMBER_STRING, AfterValidator(_to_float)]
# StrictBool: without it pydantic's lax mode would read "yes" or "1" as true.
LenientBool = Annotated[StrictBool | _BOOL_STRING, AfterValidator(_to_bool)]


def _check_bounds(value: Any) -> Any:
    """Refuse structured input deeper than ``MAX_JSON_DEPTH``, larger than ``MAX_JSON_NODES`` or ``MAX_JSON_CHARS``.

    Runs before type validation (iteratively, so depth cannot exhaust the stack). A string is
    decoded here only to measure it; the parser below decodes it again.
    """
    if isinstance(value, str):
        if len(value) > MAX_JSON_CHARS:
            raise ValueError(f"at most {MAX_JSON_CHARS} characters")
        try:
            decoded = json.loads(value)
        except RecursionError:
            raise ValueError(f"nested too deeply: at most {MAX_JSON_DEPTH} levels of arrays and objects") from None
        except ValueError:
            return value  # not JSON: the parser reports it
    else:
        decoded = value
    nodes = 0
    stack: list[tuple[Any, int]] = [(decoded, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_JSON_NODES:
            raise ValueError(f"too large: at most {MAX_JSON_NODES} values in all")
        if isinstance(node, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"nested too deeply: at most {MAX_JSON_DEPTH} levels of arrays and objects")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return value


def _json_parser(native: Any, kind: str) -> Any:
    adapter: TypeAdapter[Any] = TypeAdapter(native)

    def parse(value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError(f"expected a JSON {kind} (native or JSON-encoded string)") from None
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            first = exc.errors(include_input=False, include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{kind} item {where}: {first['msg']}" if where else first["msg"]) from None

    return parse


def lenient_list(item: Any, *, min_length: int | None = None, max_length: int | None = None) -> Any:
    """An array parameter that also accepts its JSON-encoded string form."""
    native = Annotated[list[item], Field(min_length=min_length, max_length=max_length)]
    return Annotated[
        native | _JSON_STRING, BeforeValidator(_check_bounds), AfterValidator(_json_parser(native, "array"))
    ]


def lenient_object(model: Any) -> Any:
    """An object parameter (a pydantic model or ``dict[...]``) that also accepts its JSON-encoded string form."""
    return Annotated[
        model | _JSON_STRING, BeforeValidator(_check_bounds), AfterValidator(_json_parser(model, "object"))
    ]


MAX_ACCOUNT_NUMBER = 999_999_999_999
ACCOUNT_ID_FORM = 'expected a 12-digit AWS account id, as a string or a number (e.g. "012345678901" or 12345678901)'


def account_id(value: object) -> str:
    """A 12-digit account id from a string of 12 ASCII digits, or a number (zero-padded to 12 digits).

    Raises:
        ValueError: Anything else, including non-ASCII digits (Arabic-Indic, fullwidth) and ``bool``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        text = f"{value:012d}" if 0 <= value <= MAX_ACCOUNT_NUMBER else ""
    else:
        text = value if isinstance(value, str) else ""
    if len(text) != 12 or not text.isascii() or not text.isdigit():
        raise ValueError(ACCOUNT_ID_FORM)
    return text


# Validation is account_id's alone (one clear message); the schema advertises both forms for the Gateway.
AccountId = Annotated[
    str,
    BeforeValidator(account_id),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": "^[0-9]{12}$"},
                {"type": "integer"},
            ]
        }
    ),
]
AccountIdParam = Annotated[
    AccountId | None,
    Field(description="account id from list_accounts; a number is zero-padded"),
]


# Many-accounts calls: at most this many accounts in one call (the caller assertion's limit too,
# lambdas/caller_assertion MAX_TARGET_ACCOUNTS).
MAX_TARGET_ACCOUNTS = 10


def account_ids(value: object) -> tuple[str, ...]:
    """The accounts of ``target_account_ids``: an array (or its JSON string) of 1-10 ids, duplicates removed.

    Normalized exactly as the Gateway interceptor normalizes them for the caller assertion.

    Raises:
        ValueError: Not an array of 1-``MAX_TARGET_ACCOUNTS`` valid account ids.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError("expected an array of 12-digit account ids") from None
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_TARGET_ACCOUNTS:
        raise ValueError(f"expected an array of 1-{MAX_TARGET_ACCOUNTS} account ids")
    return tuple(dict.fromkeys(account_id(item) for item in value))


TargetAccountIdsParam = Annotated[
    tuple[str, ...] | None,
    BeforeValidator(lambda v: None if v is None else account_ids(v)),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "array",
                    "items": {"anyOf": [{"type": "string", "pattern": "^[0-9]{12}$"}, {"type": "integer"}]},
                    "minItems": 1,
                    "maxItems": MAX_TARGET_ACCOUNTS,
                },
                {"type": "string"},
                {"type": "null"},
            ]
        }
    ),
    Field(description=f"1-{MAX_TARGET_ACCOUNTS} account ids instead of target_account_id; answers under accounts"),
]


# --- Cost Explorer shapes ---------------------------------------------------------------------------------------
# Field names are the API's own (PascalCase), so an Expression copied from the AWS documentation just works.

CostDimension = Literal[
    "AZ", "INSTANCE_TYPE", "LINKED_ACCOUNT", "PAYER_ACCOUNT", "LINKED_ACCOUNT_NAME", "OPERATION", "PURCHASE_TYPE",
    "REGION", "SERVICE", "SERVICE_CODE", "USAGE_TYPE", "USAGE_TYPE_GROUP", "RECORD_TYPE", "OPERATING_SYSTEM",
    "TENANCY", "SCOPE", "PLATFORM", "SUBSCRIPTION_ID", "LEGAL_ENTITY_NAME", "DEPLOYMENT_OPTION", "DATABASE_ENGINE",
    "CACHE_ENGINE", "INSTANCE_TYPE_FAMILY", "BILLING_ENTITY", "RESERVATION_ID", "RESOURCE_ID", "RIGHTSIZING_TYPE",
    "SAVINGS_PLANS_TYPE", "SAVINGS_PLAN_ARN", "PAYMENT_OPTION", "AGREEMENT_END_DATE_TIME_AFTER",
    "AGREEMENT_END_DATE_TIME_BEFORE", "INVOICING_ENTITY", "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
    "ANOMALY_TOTAL_IMPACT_PERCENTAGE", "PRODUCT_ATTRIBUTE",
]  # fmt: skip
MatchOption = Literal[
    "EQUALS", "ABSENT", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "CASE_SENSITIVE", "CASE_INSENSITIVE",
    "GREATER_THAN_OR_EQUAL",
]  # fmt: skip
_CE_STRICT = ConfigDict(extra="forbid")


class DimensionValues(BaseModel):
    """``Dimensions`` of a Cost Explorer Expression: a dimension and the values it must have."""

    model_config = _CE_STRICT
    Key: CostDimension
    Values: list[str] = Field(min_length=1, max_length=1000)
    MatchOptions: list[MatchOption] | None = None


class TagValues(BaseModel):
    """``Tags`` of a Cost Explorer Expression: a cost allocation tag key and its values."""

    model_config = _CE_STRICT
    Key: str = Field(min_length=1, max_length=1024)
    Values: list[str] | None = None
    MatchOptions: list[MatchOption] | None = None


class CostCategoryValues(BaseModel):
    """``CostCategories`` of a Cost Explorer Expression: a cost category name and its values."""

    model_config = _CE_STRICT
    Key: str = Field(min_length=1, max_length=50)
    Values: list[str] | None = None
    MatchOptions: list[MatchOption] | None = None


class CostExpression(BaseModel):
    """A Cost Explorer ``Expression`` filter: exactly one of And, Or, Not, Dimensions, Tags, CostCategories.

    Example: ``{"And": [{"Dimensions": {"Key": "SERVICE", "Values": ["AWS Lambda"]}},
    {"Not": {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}}}]}``
    """

    model_config = _CE_STRICT
    And: list[CostExpression] | None = Field(default=None, min_length=2)
    Or: list[CostExpression] | None = Field(default=None, min_length=2)
    Not: CostExpression | None = None
    Dimensions: DimensionValues | None = None
    Tags: TagValues | None = None
    CostCategories: CostCategoryValues | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CostExpression:
        present = [name for name in _EXPRESSION_KEYS if getattr(self, name) is not None]
        if len(present) != 1:
            raise ValueError(f"an Expression needs exactly one of {', '.join(_EXPRESSION_KEYS)}")
        return self

    def to_api(self) -> dict[str, Any]:
        """The boto3 ``Filter``/``Expression`` value."""
        return self.model_dump(exclude_none=True)


_EXPRESSION_KEYS = ("And", "Or", "Not", "Dimensions", "Tags", "CostCategories")


class CostGroupBy(BaseModel):
    """One Cost Explorer ``GroupDefinition``: group results by a dimension, a tag key or a cost category."""

    model_config = _CE_STRICT
    Type: Literal["DIMENSION", "TAG", "COST_CATEGORY"]
    Key: str = Field(min_length=1, max_length=1024, description="e.g. SERVICE, REGION, LINKED_ACCOUNT or a tag key")

    def to_api(self) -> dict[str, str]:
        """The boto3 ``GroupDefinition`` value."""
        return {"Type": self.Type, "Key": self.Key}


# The Expression is recursive; a self-contained schema (no $ref, which the Gateway refuses) cannot show all of
# it, so the object's shape is spelled out in the description and the server validates it fully (CostExpression).
COST_FILTER_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "object", "minProperties": 1, "maxProperties": 1},
        {"type": "string"},
        {"type": "null"},
    ],
    "description": 'Cost Explorer Expression, e.g. {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon EC2"]}}; '
    "also Tags, CostCategories, And/Or [...], Not",
}
CostFilterParam = Annotated[  # type: ignore[valid-type]  # a runtime alias built by lenient_object
    lenient_object(CostExpression) | None, WithJsonSchema(COST_FILTER_SCHEMA)
]


# Bounded waits of tools that poll an asynchronous AWS query (Logs Insights, CloudTrail Lake).
DEFAULT_WAIT_S = 20
MAX_WAIT_S = 60
WaitSecondsParam = Annotated[  # type: ignore[valid-type]  # a runtime alias built by lenient_int
    lenient_int(ge=0, le=MAX_WAIT_S),
    Field(description=f"seconds to wait for results, 0-{MAX_WAIT_S}, default {DEFAULT_WAIT_S}"),
]


# One paging vocabulary for every tool (the AWS APIs' own): max_results per page, next_token to continue.
def _page_token(value: str | None) -> str | None:
    if value is not None and not 1 <= len(value) <= MAX_PAGE_TOKEN_CHARS:
        raise ValueError(f"expected the next_token of a previous answer (1-{MAX_PAGE_TOKEN_CHARS} characters)")
    return value


MAX_PAGE_TOKEN_CHARS = 8192
NextTokenParam = Annotated[
    str | None, AfterValidator(_page_token), Field(description="from the previous page's answer")
]
