"""``python -m account_tools_admin``."""

from account_tools_admin.cli import run

run()
