"""Portable tool schemas: what MCP clients and the AgentCore Gateway can read.

pydantic emits JSON Schema with ``$defs``/``$ref`` for nested models, a ``title``
on every property, and ``additionalProperties: false`` on every strict model. The
AgentCore Gateway refuses ``$ref`` ("Invalid tool schema, $ref is not supported";
awslabs/mcp issue 2442), google-genai's MCP converter fails on nested
``additionalProperties``, and every byte of ``tools/list`` is paid for in the
agent's context. ``portable_schema`` turns a pydantic schema into a self-contained
JSON Schema 2020-12 document: references inlined (a recursive reference becomes a
plain ``object`` whose shape the description spells out; the server still
validates it fully), titles dropped, ``additionalProperties: false`` only at the
top level of input schemas (unknown arguments are refused), descriptions dedented;
output schemas name a result's fields and their types, deeper shapes by type only.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_DESCRIPTION_CHARS = 1000
# Every string argument is bounded: the server refuses longer strings in any argument before the tool
# runs (account_tools.tools.structured_errors). The schema shows it on free-form string parameters
# without a maxLength of their own, which the Gateway then enforces too; the string forms of lenient
# numbers, arrays and objects (anyOf branches) have a pattern or the JSON size bound instead, and leave
# it out to keep tools/list small.
MAX_STRING_CHARS = 32_000
# Keywords whose value is a map of name -> schema (the names are not keywords).
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# Keywords whose value is a schema or a list of schemas.
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
# Opaque AWS page tokens: bounded by the server (params.MAX_PAGE_TOKEN_CHARS), not repeated in every schema.
_OPAQUE = ("/next_token",)
_RECURSIVE_NOTE = "an object of the same shape as its parent (nested)"
# Output schemas name a result's fields and their types (an array's items, a map's values: their type);
# anything deeper is stated by type only. The server still validates every result against the full model
# and each result carries all its fields (docs/tools.md describes them); the limit keeps tools/list, which
# is paid for in the agent's context, within its 40 KB budget with 20 tools.
OUTPUT_SCHEMA_DEPTH = 2
_NESTED = ("properties", "items", "additionalProperties")


def clean_description(text: str | None) -> str:
    """A docstring or description without Python indentation, stripped."""
    return inspect.cleandoc(text or "").strip()


def portable_schema(schema: dict[str, Any], *, top_level_closed: bool) -> dict[str, Any]:
    """A self-contained copy of ``schema``: no ``$ref``/``$defs``, no titles, dedented descriptions.

    Args:
        schema: A JSON Schema as pydantic generates it (may hold ``$defs`` and local ``$ref``).
        top_level_closed: Set ``additionalProperties: false`` on the top-level object (input schemas),
            and drop it everywhere below (nested objects are validated by the server).

    An optional property ``anyOf [X, null]`` (default null) becomes ``X``, not required: clients
    leave an unset argument out, and results leave absent values out. The server still accepts an
    explicit ``null`` argument as "not set". A free-form string parameter (no ``maxLength``,
    ``pattern``, ``enum`` or ``const``) gets ``maxLength: MAX_STRING_CHARS``.

    Returns:
        A new schema; ``schema`` is not modified.
    """
    defs: dict[str, Any] = dict(schema.get("$defs", {}))
    out = _inline(copy.deepcopy(schema), defs, stack=())
    for path, sub in walk(out):
        # A parameter's own description is what the model reads; nested models' docstrings are for developers.
        if path.count("/") > 2 and "description" in sub and sub is not out:
            del sub["description"]
        if sub.get("default", 0) is None:
            del sub["default"]  # an optional parameter's absence already means "not set"
        _omit_null(sub)
        if top_level_closed and _free_form_string(sub) and "/anyOf/" not in path and not path.endswith(_OPAQUE):
            sub["maxLength"] = MAX_STRING_CHARS
        if not top_level_closed:
            sub.pop("description", None)  # output shapes are read by programs; field names carry the meaning
            if sub is not out:
                sub.pop("required", None)  # the top level says what every result has
    if not isinstance(out, dict):
        raise TypeError("a tool schema must be an object")
    result: dict[str, Any] = out if top_level_closed else _shallow(out, OUTPUT_SCHEMA_DEPTH)
    result.pop("$defs", None)
    result.pop("definitions", None)
    result.pop("title", None)
    if top_level_closed:
        result["additionalProperties"] = False
    return result


def _shallow(node: dict[str, Any], depth: int) -> dict[str, Any]:
    """``node`` with nested shapes cut at ``depth`` levels (a cut node keeps only its ``type``/``anyOf`` types)."""
    if depth <= 0:
        cut: dict[str, Any] = {k: v for k, v in node.items() if k == "type"}
        if isinstance(node.get("anyOf"), list):
            cut["anyOf"] = [_shallow(branch, 0) for branch in node["anyOf"]]
        return cut
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _shallow(sub, depth - 1) for name, sub in value.items()}
        elif key in _NESTED and isinstance(value, dict):
            out[key] = _shallow(value, depth - 1)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_shallow(branch, depth) if isinstance(branch, dict) else branch for branch in value]
        else:
            out[key] = value
    return out


def _free_form_string(node: dict[str, Any]) -> bool:
    return node.get("type") == "string" and not {"maxLength", "pattern", "enum", "const"} & set(node)


def _inline(node: Any, defs: dict[str, Any], stack: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if name in stack:  # a recursive reference: stop here, describe it instead
            target: dict[str, Any] = {"type": "object", "description": _RECURSIVE_NOTE}
        elif name in defs:
            target = _inline(copy.deepcopy(defs[name]), defs, (*stack, name))
        else:
            raise ValueError(f"unresolvable $ref {ref!r}")
        merged = {**target, **{k: _inline(v, defs, stack) for k, v in siblings.items()}}
        return _tidy(merged)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$defs", "definitions", "title"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _inline(sub, defs, stack) for name, sub in value.items()}
        elif key in _SCHEMA_VALUES or key in _SCHEMA_LISTS:
            out[key] = _inline(value, defs, stack)
        else:
            out[key] = value
    return _tidy(out)


def _tidy(node: dict[str, Any]) -> dict[str, Any]:
    node.pop("title", None)
    if node.get("properties") == {}:
        del node["properties"]
    if isinstance(node.get("additionalProperties"), bool):
        # false: only the top level stays closed (set by portable_schema); true is the default anyway
        del node["additionalProperties"]
    if isinstance(node.get("description"), str):
        node["description"] = clean_description(node["description"])
    return node


def _omit_null(node: dict[str, Any]) -> None:
    required = set(node.get("required", []))
    for name, prop in (node.get("properties") or {}).items():
        branches = prop.get("anyOf")
        if name in required or not isinstance(branches, list):
            continue
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == len(branches):
            continue
        prop.pop("default", None)
        if len(kept) > 1:
            prop["anyOf"] = kept
            continue
        del prop["anyOf"]
        for key, value in kept[0].items():
            prop.setdefault(key, value)


def walk(schema: Any, path: str = "#") -> list[tuple[str, dict[str, Any]]]:
    """Every subschema of ``schema`` with its JSON pointer-like path (for conformance checks)."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(schema, dict):
        found.append((path, schema))
        for key, value in schema.items():
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                for name, sub in value.items():
                    found.extend(walk(sub, f"{path}/{key}/{name}"))
            elif key in _SCHEMA_VALUES:
                found.extend(walk(value, f"{path}/{key}"))
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                for i, sub in enumerate(value):
                    found.extend(walk(sub, f"{path}/{key}/{i}"))
    return found
