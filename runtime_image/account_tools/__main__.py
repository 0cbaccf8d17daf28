"""``python -m account_tools``: start the MCP server."""

from account_tools.server import main

main()
