"""Operator CLI of the multi-account tools (``account-tools-admin``); talks only to the admin function URL."""
