"""The README and docs/tools.md list every tool the server registers, with every parameter."""

from __future__ import annotations

import re

import anyio
import pytest

from account_tools.server import build_runtime, build_server
from account_tools.settings import RuntimeSettings
from local_stack.stack import REPO_ROOT

pytestmark = pytest.mark.unit


def tools() -> dict[str, set[str]]:
    server = build_server(build_runtime(RuntimeSettings(vendor_function_name="x", allowed_log_groups=("/a",))))
    listed = anyio.run(server.list_tools)
    return {t.name: set(t.input_schema.get("properties", {})) for t in listed}


def test_readme_table_lists_every_tool_and_its_parameters():
    readme = (REPO_ROOT / "README.md").read_text()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([a-z_]+)` \| (.*?) \|", readme, re.MULTILINE)}
    for name, params in tools().items():
        assert name in rows, f"README lacks {name}"
        for param in params - {"target_account_id"}:
            if not rows[name].startswith("as above"):
                assert f"`{param}`" in rows[name], f"README row of {name} lacks {param}"


def test_tools_doc_has_a_section_per_tool_with_every_parameter():
    doc = (REPO_ROOT / "docs" / "tools.md").read_text()
    sections = dict(re.findall(r"^#### `([a-z_]+)`\n(.*?)(?=^#|\Z)", doc, re.MULTILINE | re.DOTALL))
    for name, params in tools().items():
        assert name in sections, f"docs/tools.md lacks {name}"
        for param in params:
            assert f"| `{param}` |" in sections[name], f"docs/tools.md section {name} lacks {param}"
