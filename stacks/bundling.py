"""Docker-free packaging of the Lambda code root (``lambdas/``) with its pinned dependencies.

The asset is built locally with pip's cross-platform wheel download (``manylinux2014_aarch64``,
binary wheels only), so neither Docker nor an ARM machine is needed. Its hash is computed from the
sources and requirements *before* bundling: CDK reuses an already staged ``cdk.out/asset.<hash>``
directory, and pip's own cache makes a fresh build take seconds. Stacks excluded from bundling
(``aws:cdk:bundling-stacks`` context, e.g. ``[]`` in the infrastructure tests) never run pip.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from stacks.constants import LAMBDA_PACKAGES, LAMBDA_REQUIREMENTS, LAMBDAS_DIR

LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_14
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64
PIP_PLATFORM = "manylinux2014_aarch64"
_BUNDLER_VERSION = "1"  # bump to invalidate every staged bundle
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")


def python_version(runtime: lambda_.Runtime) -> str:
    """The ``X.Y`` Python version of a Lambda runtime (``python3.14`` -> ``3.14``)."""
    return runtime.name.removeprefix("python")


def _source_files(root: Path, packages: Iterable[str]) -> list[Path]:
    files: list[Path] = []
    for package in packages:
        files.extend(
            p
            for p in (root / package).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        )
    return sorted(files)


def source_hash(
    *, root: Path = LAMBDAS_DIR, packages: Sequence[str] = LAMBDA_PACKAGES, requirements: Path = LAMBDA_REQUIREMENTS
) -> str:
    """Fingerprint of everything that goes into the bundle: sources, requirements, target platform."""
    digest = hashlib.sha256()
    digest.update(f"{_BUNDLER_VERSION}|{PIP_PLATFORM}|{python_version(LAMBDA_RUNTIME)}".encode())
    for path in [requirements, *_source_files(root, packages)]:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Bundles the Lambda packages and their ARM64 wheels on the host (no Docker).

    Args:
        root: The Lambda code root.
        packages: Package directories under ``root`` to copy into the bundle.
        requirements: pip requirements file with the runtime dependencies.
        python: Target ``X.Y`` Python version of the wheels.
    """

    def __init__(self, *, root: Path, packages: Sequence[str], requirements: Path, python: str) -> None:
        self._root = root
        self._packages = tuple(packages)
        self._requirements = requirements
        self._python = python

    def try_bundle(
        self,
        output_dir: str,
        *,
        image: object = None,
        bundling_file_access: object = None,
        command: object = None,
        entrypoint: object = None,
        environment: Mapping[str, str] | None = None,
        local: object = None,
        network: object = None,
        output_type: object = None,
        platform: object = None,
        security_opt: object = None,
        user: object = None,
        volumes: object = None,
        volumes_from: object = None,
        working_directory: object = None,
    ) -> bool:
        """Install the wheels into ``output_dir`` and copy the packages next to them.

        Raises:
            RuntimeError: pip failed (its output is included); Docker is never tried as a fallback.
        """
        out = Path(output_dir)
        pip = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "--requirement",
            str(self._requirements),
            "--target",
            str(out),
            "--platform",
            PIP_PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            self._python,
            "--only-binary=:all:",
            "--upgrade",
        ]
        result = subprocess.run(pip, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
        if result.returncode != 0:
            raise RuntimeError(f"pip could not bundle {self._requirements}:\n{result.stdout}\n{result.stderr}")
        for package in self._packages:
            shutil.copytree(self._root / package, out / package, ignore=_IGNORED, dirs_exist_ok=True)
        return True


def lambda_code() -> lambda_.Code:
    """The code asset shared by every function of ``lambdas/`` (one handler each).

    Reuse the returned object for all functions of a stack so the bundle is built once.
    """
    return lambda_.Code.from_asset(
        str(LAMBDAS_DIR),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=source_hash(),
        bundling=BundlingOptions(
            image=DockerImage.from_registry("unused-local-bundling-only"),
            local=PipLocalBundling(
                root=LAMBDAS_DIR,
                packages=LAMBDA_PACKAGES,
                requirements=LAMBDA_REQUIREMENTS,
                python=python_version(LAMBDA_RUNTIME),
            ),
        ),
    )
