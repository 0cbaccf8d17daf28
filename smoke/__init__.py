"""Post-deploy smoke test: prove a deployed (or local) stack answers agents end to end.

``python -m smoke --stack AccountTools-dev`` (``make smoke STACK=...``) reads the stack's outputs,
gets an agent token (client credentials), lists the Gateway's tools, compares them with the
runtime's, and calls ``get_caller_identity`` and ``get_cost_and_usage`` for a registered account.
Each step prints PASS/FAIL and, on failure, the fix for the usual causes.
"""
