"""A throwaway PostgreSQL cluster for the tests: Debian's server, started on 127.0.0.1 and removed after."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg


def _bindir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


def _as_owner(args: list[str], owner: str | None) -> list[str]:
    # PostgreSQL refuses to run as root, so root runs it as the postgres account.
    return ["runuser", "-u", owner, "--", *args] if owner else args


@contextmanager
def cluster(port: int) -> Iterator[str]:
    """Start a fresh cluster and yield its base URL; stop it and delete its files after."""
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL is not installed: run 'make test' as root (it installs it) "
            "or 'apt-get install postgresql'."
        )
    owner = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="catalyst-pg-"))
    data = root / "data"
    if owner:
        shutil.chown(root, owner)
    run = lambda args: subprocess.run(  # noqa: E731
        _as_owner(args, owner), check=True, capture_output=True, timeout=120
    )
    try:
        run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        )
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        )
        run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(root / "log"),
                "start",
            ]
        )
        yield f"postgres://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], owner),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


async def fresh_database(base_url: str, template: str = "template1") -> str:
    """Create a database in the cluster (empty, or a copy of a template) and return its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(f"{base_url}/postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await connection.close()
    return f"{base_url}/{name}"


async def migrated_template(base_url: str) -> str:
    """Create a database holding every migration and return its name, for tests to copy."""
    from tracker import db

    url = await fresh_database(base_url)
    await db.migrate(url)
    return url.rsplit("/", 1)[1]
