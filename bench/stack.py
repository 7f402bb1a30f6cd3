"""The production shape on one machine: several web processes and grading workers as separate
processes sharing only the database, Redis and the media folder — what docker-compose.yml starts,
without Docker (this machine has no engine).

Used by the services tests (tests/services/) and by the load and fault benches (bench/load.py,
bench/faults.py), so the configuration they measure is the one they test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SERVERS = ("daphne", "uvicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_wait(port: int, *, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
    """Until something accepts connections on ``port``; RuntimeError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


def stack_env(*, database_url: str, redis_url: str, catalog: Path | str | None = None, media: Path | str,
              grader_base_url: str, extra: dict | None = None) -> dict:
    """The environment every process of the stack gets (all configuration comes from it, as in compose)."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "DJANGO_MEDIA_ROOT": str(media),
           "GRADER_BASE_URL": grader_base_url, "DJANGO_LOG_LEVEL": os.environ.get("DJANGO_LOG_LEVEL", "ERROR")}
    if catalog is not None:
        env["SCENARIO_CATALOG_DIR"] = str(catalog)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


def web_command(port: int, *, server: str = "daphne") -> list[str]:
    """One web process (one replica of compose's ``web`` service) on 127.0.0.1:``port``."""
    if server == "daphne":
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "sandbox.asgi:application"]
    if server == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                "--log-level", "warning", "--lifespan", "off", "sandbox.asgi:application"]
    raise ValueError(f"unknown server {server!r}; one of {SERVERS}")


def worker_command(worker_id: str) -> list[str]:
    return [sys.executable, "manage.py", "grading_worker", "--no-reload", "--no-startup-delay", "--interval", "0.3",
            "--worker-id", worker_id]


@dataclass
class Stack:
    urls: list[str]
    webs: list[subprocess.Popen]
    workers: list[subprocess.Popen]
    env: dict
    log_dir: Path
    server: str = "daphne"
    extra: list[subprocess.Popen] = field(default_factory=list)

    @property
    def processes(self) -> list[subprocess.Popen]:
        return [*self.webs, *self.workers, *self.extra]

    def web_restart(self, index: int) -> subprocess.Popen:
        """Start replica ``index`` again on its port (after a kill), and wait until it listens."""
        port = int(self.urls[index].rsplit(":", 1)[1])
        process = _spawn(web_command(port, server=self.server), self.env, self.log_dir / f"web-{port}.log")
        self.webs[index] = process
        port_wait(port)
        return process


def _spawn(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=log.open("a"))


def processes_stop(processes: list[subprocess.Popen], *, timeout: float = 15.0) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def production_stack(*, database_url: str, redis_url: str, media: Path, log_dir: Path, webs: int = 2,
                     workers: int = 2, catalog: Path | str | None = None, server: str = "daphne",
                     extra_env: dict | None = None):
    """``webs`` web processes and ``workers`` grading workers for the ``with`` block; stopped after."""
    media.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(webs)]
    env = stack_env(database_url=database_url, redis_url=redis_url, catalog=catalog, media=media,
                    grader_base_url=f"http://127.0.0.1:{ports[0]}" if ports else "http://127.0.0.1:8000",
                    extra=extra_env)
    stack = Stack(urls=[f"http://127.0.0.1:{p}" for p in ports], webs=[], workers=[], env=env, log_dir=log_dir,
                  server=server)
    try:
        for port in ports:
            stack.webs.append(_spawn(web_command(port, server=server), env, log_dir / f"web-{port}.log"))
        for n in range(workers):
            stack.workers.append(_spawn(worker_command(f"worker-{n}"), env, log_dir / f"worker-{n}.log"))
        for port in ports:
            port_wait(port)
        yield stack
    finally:
        processes_stop(stack.processes)
