"""The tool catalog as Markdown, from the schemas clients see (``tools/list``).

``python -m account_tools.catalog docs/tools.md`` rewrites, under each ``#### `tool``` heading of that
file, the block between ``<!-- catalog:tool -->`` and ``<!-- /catalog -->`` with the tool's title,
annotations and parameter table; the prose around the blocks stays hand-written. A unit test fails when
the file is not what this module would write, so the document cannot drift from the server.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import anyio
from mcp.types import Tool

from account_tools.caller import CallerRefusedError, CallerVerifier
from account_tools.server import build_runtime, build_server
from account_tools.settings import RuntimeSettings

_BLOCK = re.compile(
    r"(^#### `(?P<name>[a-z_]+)`\n\n<!-- catalog:tool -->\n)(?P<body>.*?)(^<!-- /catalog -->$)", re.M | re.S
)


def _no_key() -> Any:
    raise CallerRefusedError("the catalog serves no calls")


async def listed_tools(settings: RuntimeSettings | None = None) -> list[Tool]:
    """What ``tools/list`` answers for a server built with ``settings`` (no AWS call, no vend, no caller)."""
    runtime = build_runtime(
        settings or RuntimeSettings(vendor_function_name="catalog"), verifier=CallerVerifier(_no_key)
    )
    return await build_server(runtime).list_tools()


def _accepts(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " | ".join(_accepts(branch) for branch in schema["anyOf"])
    kind = schema.get("type", "any")
    if "enum" in schema:
        return "enum"
    if kind == "array":
        return f"array of {_accepts(schema.get('items', {}))}"
    bounds = [str(schema[k]) for k in ("minimum", "maximum") if k in schema]
    if kind == "string" and "pattern" in schema:
        return "string (pattern)"
    return f"{kind} {'-'.join(bounds)}" if bounds else str(kind)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def tool_block(tool: Tool) -> str:
    """The generated Markdown of one tool: title, hints, parameter table."""
    hints = tool.annotations.model_dump(by_alias=True, exclude_none=True) if tool.annotations else {}
    lines = [
        f"**{tool.title}** · " + ", ".join(f"`{k}: {json.dumps(v)}`" for k, v in hints.items()),
        "",
        "| parameter | accepts | required | default | description |",
        "|---|---|---|---|---|",
    ]
    required = set(tool.input_schema.get("required", []))
    for name, schema in tool.input_schema.get("properties", {}).items():
        default = json.dumps(schema["default"]) if "default" in schema else "—"
        lines.append(
            f"| `{name}` | {_cell(_accepts(schema))} | {'yes' if name in required else 'no'} | {_cell(default)} "
            f"| {_cell(schema.get('description', ''))} |"
        )
    if not tool.input_schema.get("properties"):
        lines.append("| — | | | | no parameters |")
    output = tool.output_schema or {}
    keys = ", ".join(f"`{k}`" for k in output.get("properties", {}))
    lines += ["", f"Answer keys: {keys}.", ""]
    return "\n".join(lines)


def render(document: str, tools: list[Tool]) -> str:
    """``document`` with every catalog block regenerated.

    Raises:
        ValueError: A tool has no block, or a block names no registered tool.
    """
    by_name = {t.name: t for t in tools}
    named = {m.group("name") for m in _BLOCK.finditer(document)}
    if missing := sorted(set(by_name) - named):
        raise ValueError(f"no catalog block for: {', '.join(missing)}")
    if unknown := sorted(named - set(by_name)):
        raise ValueError(f"catalog blocks for unregistered tools: {', '.join(unknown)}")
    return _BLOCK.sub(lambda m: m.group(1) + tool_block(by_name[m.group("name")]) + m.group(4), document)


def main(argv: list[str] | None = None) -> None:
    """Rewrite the catalog blocks of a Markdown file in place."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    tools = anyio.run(listed_tools)
    args.path.write_text(render(args.path.read_text(), tools))


if __name__ == "__main__":
    main()
