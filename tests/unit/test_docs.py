"""The README and docs/tools.md list every tool the server registers, with its title, hints and every parameter."""

from __future__ import annotations

import json
import re

import anyio
import pytest
from mcp.types import Tool

from account_tools.catalog import listed_tools, render
from local_stack.stack import REPO_ROOT

pytestmark = pytest.mark.unit


def listed() -> list[Tool]:
    return anyio.run(listed_tools)


def tools() -> dict[str, set[str]]:
    return {t.name: set(t.input_schema.get("properties", {})) for t in listed()}


def test_readme_table_lists_every_tool_and_its_parameters():
    readme = (REPO_ROOT / "README.md").read_text()
    pattern = r"^\| `([a-z_]+)` \|([^|]*)\|([^|]*)\|(.*?)\|"
    rows = {m.group(1): tuple(g.strip() for g in m.groups()[1:]) for m in re.finditer(pattern, readme, re.MULTILINE)}
    for tool in listed():
        assert tool.name in rows, f"README lacks {tool.name}"
        title, hints, params = rows[tool.name]
        assert title == tool.title, f"README title of {tool.name}"
        assert tool.annotations is not None
        differing = {
            f"`{key}: {json.dumps(value)}`"
            for key, value in tool.annotations.model_dump(by_alias=True, exclude_none=True).items()
            if (key, value) not in {("readOnlyHint", True), ("idempotentHint", True), ("openWorldHint", True)}
        }
        assert set(filter(None, (h.strip() for h in hints.split(",")))) == differing, f"README hints of {tool.name}"
        for param in set(tool.input_schema.get("properties", {})) - {"target_account_id"}:
            if not params.startswith("as above"):
                assert f"`{param}`" in params, f"README row of {tool.name} lacks {param}"


def test_tools_doc_has_a_section_per_tool_with_every_parameter():
    doc = (REPO_ROOT / "docs" / "tools.md").read_text()
    sections = dict(re.findall(r"^#### `([a-z_]+)`\n(.*?)(?=^#|\Z)", doc, re.MULTILINE | re.DOTALL))
    for name, params in tools().items():
        assert name in sections, f"docs/tools.md lacks {name}"
        for param in params:
            assert f"| `{param}` |" in sections[name], f"docs/tools.md section {name} lacks {param}"


def test_tools_doc_catalog_blocks_are_what_the_server_lists():
    # Given docs/tools.md as committed; when its catalog blocks are regenerated from tools/list
    doc = (REPO_ROOT / "docs" / "tools.md").read_text()
    # Then nothing changes (regenerate with: python -m account_tools.catalog docs/tools.md)
    assert render(doc, listed()) == doc
