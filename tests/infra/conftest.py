"""One synthesis per environment for the whole infrastructure test session."""

from __future__ import annotations

import pytest

from tests.infra.synth import Synthesized, synthesize


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The default (dev) environment, with the default (code) runtime artifact."""
    return synthesize(tmp_path_factory.mktemp("cdk-dev"))


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The prod environment of cdk.json."""
    return synthesize(tmp_path_factory.mktemp("cdk-prod"), environment="prod")


@pytest.fixture(scope="session")
def dev_image(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The dev environment with the container-image runtime artifact (``-c runtime_artifact=image``)."""
    return synthesize(tmp_path_factory.mktemp("cdk-dev-image"), runtime_artifact="image")
