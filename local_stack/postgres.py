"""A throwaway PostgreSQL server for the local stack and the tests.

Runs the distribution's ``initdb``/``pg_ctl`` in a temporary directory, listening
on 127.0.0.1 only, with password authentication. PostgreSQL refuses to run as
root, so as root the server runs as the ``postgres`` user via ``runuser``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from account_registry.store import DatabaseSettings

START_TIMEOUT_S = 60
DATABASE_NAME = "registry"
SUPERUSER = "postgres"


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise FileNotFoundError(f"{name} not found: run `make system-deps` (installs PostgreSQL)")
    return candidates[-1]


def _runuser() -> str:
    """util-linux's runuser (in sbin, which a minimal PATH may lack)."""
    for candidate in (shutil.which("runuser"), "/usr/sbin/runuser", "/sbin/runuser"):
        if candidate and os.path.exists(candidate):
            return candidate
    raise FileNotFoundError("runuser not found: PostgreSQL cannot run as root without it (util-linux)")


@dataclass
class EmbeddedPostgres:
    """One PostgreSQL cluster in a temporary directory.

    Args:
        port: TCP port on 127.0.0.1.
        base_dir: Parent of the data directory; a new temporary directory when None.
    """

    port: int
    base_dir: Path | None = None

    def __post_init__(self) -> None:
        self._owned_dir = self.base_dir is None
        self.base_dir = Path(self.base_dir or tempfile.mkdtemp(prefix="registry-pg-"))
        self.data_dir = self.base_dir / "data"
        self.password = secrets.token_urlsafe(24)
        self._as_root = os.geteuid() == 0

    def _run(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        cmd = [_runuser(), "-u", SUPERUSER, "--", *args] if self._as_root else args
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]

    def start(self) -> DatabaseSettings:
        """initdb, start, create the registry database; returns how to connect."""
        assert self.base_dir is not None
        pwfile = self.base_dir / "pwfile"
        pwfile.write_text(self.password)
        if self._as_root:
            shutil.chown(self.base_dir, user=SUPERUSER)
            shutil.chown(pwfile, user=SUPERUSER)
        os.chmod(pwfile, 0o600)
        self._run(
            [
                _bin("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                "--no-sync",
            ]
        )
        pwfile.unlink()
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base_dir} -c fsync=off"
        self._run(
            [
                _bin("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-o",
                options,
                "-l",
                str(self.base_dir / "postgres.log"),
                "-w",
                "-t",
                str(START_TIMEOUT_S),
                "start",
            ]
        )
        import pg8000.native

        admin = pg8000.native.Connection(
            user=SUPERUSER, password=self.password, host="127.0.0.1", port=self.port, database="postgres"
        )
        try:
            admin.run(f"CREATE DATABASE {DATABASE_NAME}")
        finally:
            admin.close()
        return self.settings

    @property
    def settings(self) -> DatabaseSettings:
        """Connection settings for the registry database as the superuser (TLS off: loopback only)."""
        return DatabaseSettings(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            database=DATABASE_NAME,
            ssl_mode="disable",
        )

    def role_settings(self, user: str, password: str) -> DatabaseSettings:
        """Connection settings of the registry database as another (per-function) role."""
        return DatabaseSettings(
            host="127.0.0.1",
            port=self.port,
            user=user,
            password=password,
            database=DATABASE_NAME,
            ssl_mode="disable",
        )

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        if self.data_dir.exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run([_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"])
        if self._owned_dir and self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
