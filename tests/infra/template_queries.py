"""Small queries over synthesized CloudFormation templates.

Resources are found by type and properties, and linked through their Ref/GetAtt references;
no test names a (hashed) logical id.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

Json = dict[str, Any]


def resources(template: Json, resource_type: str) -> dict[str, Json]:
    """Every resource of a type, by logical id."""
    return {rid: res for rid, res in template["Resources"].items() if res["Type"] == resource_type}


def only(found: dict[str, Json]) -> tuple[str, Json]:
    """The single entry of ``found``; fails if there are none or several."""
    assert len(found) == 1, f"expected exactly one resource, found {sorted(found)}"
    return next(iter(found.items()))


def props(resource: Json) -> Json:
    """A resource's Properties."""
    properties: Json = resource.get("Properties", {})
    return properties


def referenced_id(value: Any) -> str:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` points at."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise AssertionError(f"not a reference: {value!r}")


def references(value: Any, logical_id: str) -> bool:
    """Whether ``value`` (any JSON) contains a Ref/GetAtt to ``logical_id``."""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        get_att = value.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att and get_att[0] == logical_id:
            return True
        return any(references(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(references(v, logical_id) for v in value)
    return False


def as_list(value: Any) -> list[Any]:
    """A policy field that may be a single value or a list, as a list."""
    return value if isinstance(value, list) else [value]


def registry_key(template: Json) -> tuple[str, Json]:
    """The symmetric KMS key of the registry (the caller-assertion key is the asymmetric one, and the
    alarm topic's key is the one an SNS topic names)."""
    topic_keys = {
        referenced_id(props(topic)["KmsMasterKeyId"])
        for topic in resources(template, "AWS::SNS::Topic").values()
        if "KmsMasterKeyId" in props(topic)
    }
    return only(
        {
            rid: k
            for rid, k in resources(template, "AWS::KMS::Key").items()
            if "KeySpec" not in props(k) and rid not in topic_keys
        }
    )


def assertion_key(template: Json) -> tuple[str, Json]:
    """The asymmetric KMS key that signs caller assertions."""
    return only({rid: k for rid, k in resources(template, "AWS::KMS::Key").items() if "KeySpec" in props(k)})


def role_statements(template: Json, role_id: str) -> list[Json]:
    """Every identity-policy statement that applies to a role (inline, attached policies, managed policies)."""
    role = template["Resources"][role_id]
    statements: list[Json] = []
    for inline in props(role).get("Policies", []):
        statements.extend(as_list(inline["PolicyDocument"]["Statement"]))
    for policy in resources(template, "AWS::IAM::Policy").values():
        if any(referenced_id(r) == role_id for r in props(policy).get("Roles", []) if isinstance(r, dict)):
            statements.extend(as_list(props(policy)["PolicyDocument"]["Statement"]))
    for managed in resources(template, "AWS::IAM::ManagedPolicy").values():
        if any(referenced_id(r) == role_id for r in props(managed).get("Roles", []) if isinstance(r, dict)):
            statements.extend(as_list(props(managed)["PolicyDocument"]["Statement"]))
    return statements


def all_policy_statements(template: Json) -> Iterator[tuple[str, Json]]:
    """(policy logical id, statement) for every identity-based policy statement in the template.

    A managed policy attached to no role, user or group grants nothing (the permissions boundary).
    """
    for rid, res in template["Resources"].items():
        if res["Type"] == "AWS::IAM::ManagedPolicy" and not any(
            props(res).get(k) for k in ("Roles", "Users", "Groups")
        ):
            continue
        if res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for statement in as_list(props(res)["PolicyDocument"]["Statement"]):
                yield rid, statement
        elif res["Type"] == "AWS::IAM::Role":
            for inline in props(res).get("Policies", []):
                for statement in as_list(inline["PolicyDocument"]["Statement"]):
                    yield rid, statement


def grants(statement: Json, action: str) -> bool:
    """Whether an Allow statement's Action (with IAM wildcards) covers ``action``."""
    if statement.get("Effect") != "Allow":
        return False
    return any(fnmatchcase(action.lower(), pattern.lower()) for pattern in as_list(statement.get("Action", [])))


def joined(value: Any) -> str:
    """Render an ``Fn::Join`` (or a plain string) with tokens as ``<Ref>``/``<Id.Attr>`` placeholders."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(joined(p) for p in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if isinstance(value, dict) and "Fn::Sub" in value:
        return str(value["Fn::Sub"])
    raise AssertionError(f"cannot render {value!r}")
