"""Powertools Logger, Tracer and Metrics, created once for the vendor."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

from account_registry.log_safety import silence_sdk_wire_logs
from credential_vendor.constants import METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME

logger = Logger(service=POWERTOOLS_SERVICE_NAME)
tracer = Tracer(service=POWERTOOLS_SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=POWERTOOLS_SERVICE_NAME)

silence_sdk_wire_logs()
