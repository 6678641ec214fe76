"""A throwaway PostgreSQL 15 server for tests: temp data dir, loopback port, socket in the temp dir.

Why a real server: the PostgreSQL lane must prove the dbt project builds on PostgreSQL itself, not on an emulation.
initdb refuses to run as root, and CI runs as root on a clean machine, so as root the server runs as the
`postgres` system user (installed with the server package) from a fresh folder that user owns.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("SPM_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    """The command, run as the `postgres` user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", SUPERUSER, "--", *cmd]


@contextmanager
def running_postgres(tmp_dir: Path | str) -> Iterator[str]:
    """Start a PostgreSQL server in a temp folder under `tmp_dir`; yield a superuser URL; stop and remove it.

    As root, pytest's temp folders are not reachable by the `postgres` user (mode 0700), so the data folder is
    made in the system temp folder instead and removed afterwards.
    """
    for tool in ("initdb", "pg_ctl"):
        if not (PG_BIN / tool).exists():
            raise RuntimeError(f"PostgreSQL server tool {PG_BIN / tool} not found (set SPM_PG_BIN)")
    base = Path(tempfile.mkdtemp(prefix="spm-pg-", dir=None if os.geteuid() == 0 else str(tmp_dir)))
    data, sock, log = base / "data", base / "s", base / "server.log"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, SUPERUSER)
        shutil.chown(sock, SUPERUSER)
    port = _free_port()
    subprocess.run(
        _as_server_user([str(PG_BIN / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
                         "--encoding=UTF8", "--locale=C"]),
        check=True, capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off -c synchronous_commit=off"
    start = _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"])
    started = subprocess.run(start, capture_output=True, text=True)
    if started.returncode != 0:
        server_log = log.read_text() if log.exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{server_log}")
    try:
        yield f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)
