"""Portable output schemas: a result's fields are named with their types; deeper shapes by type only."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from pydantic import BaseModel

from account_tools.portable import OUTPUT_SCHEMA_DEPTH, portable_schema, walk


class Change(BaseModel):
    baseline: float
    comparison: float


class Driver(BaseModel):
    name: str
    metrics: dict[str, Change]


class Row(BaseModel):
    selector: dict[str, Any]
    drivers: list[Driver]


class Comparison(BaseModel):
    kind: str
    rows: list[Row]
    next_token: str | None = None


def _output() -> dict[str, Any]:
    return portable_schema(Comparison.model_json_schema(), top_level_closed=False)


def test_the_result_keeps_its_field_names_and_types() -> None:
    # Given the output schema of a model with rows of drivers of metrics
    schema = _output()

    # Then the result's fields are named, with their types and what every result has
    assert set(schema["properties"]) == {"kind", "rows", "next_token"}
    assert schema["required"] == ["kind", "rows"]
    assert schema["properties"]["kind"] == {"type": "string"}
    # and below that only types: rows are an array of objects, their fields not spelled out
    assert schema["properties"]["rows"] == {"type": "array", "items": {"type": "object"}}
    assert OUTPUT_SCHEMA_DEPTH == 2


def test_no_ref_and_nothing_deeper_than_the_limit() -> None:
    schema = _output()
    assert "$defs" not in schema
    for path, sub in walk(schema):
        assert "$ref" not in sub, path
        assert path.count("/properties/") + path.count("/items") <= OUTPUT_SCHEMA_DEPTH, path


def test_every_full_result_validates_against_the_shallow_schema() -> None:
    # Given a result the full model accepts
    result = Comparison(
        kind="drivers",
        rows=[
            Row(
                selector={"SERVICE": "Amazon EC2"},
                drivers=[Driver(name="usage", metrics={"cost": Change(baseline=1, comparison=2)})],
            )
        ],
    ).model_dump(exclude_none=True)

    # Then a client validating against the shallow schema accepts it too
    Draft202012Validator(_output()).validate(result)


def test_what_the_schema_still_refuses() -> None:
    # A row that is not an object, or a missing required field, is still refused by the shallow schema
    validator = Draft202012Validator(_output())
    assert not validator.is_valid({"kind": "totals", "rows": ["not an object"]})
    assert not validator.is_valid({"rows": []})


def test_input_schemas_are_not_cut() -> None:
    schema = portable_schema(Comparison.model_json_schema(), top_level_closed=True)
    driver = schema["properties"]["rows"]["items"]["properties"]["drivers"]["items"]
    assert set(driver["properties"]) == {"name", "metrics"}
