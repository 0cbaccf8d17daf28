"""Credential vendor: vends short-lived, down-scoped credentials for registered accounts."""
