"""The console over real HTTP (issue 19): gunicorn with N sync workers on a port of its own, as
production runs it, and concurrent clients, each a thread with its own connection per request.

What in-process timing cannot show shows here: requests queueing for a worker, the CPU the
workers, PostgreSQL and the clients share, and what a few slow requests do to everyone else's.
"""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection as db
from django.test import Client

from .report import Latency

ROOT = Path(__file__).resolve().parents[3]


class HttpBenchError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    """The database this process measures (under the tests, the test database), for gunicorn."""
    own = db.settings_dict
    user = own.get("USER") or "postgres"
    password = f":{own['PASSWORD']}" if own.get("PASSWORD") else ""
    host, port = own.get("HOST") or "127.0.0.1", own.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{own['NAME']}"


class Gunicorn:
    """gunicorn serving the console from this checkout with DEBUG off and the production settings
    (the web process's statement timeout included), static files collected into a directory of
    its own. A context manager: started and ready on enter, stopped on exit."""

    def __init__(self, workers: int):
        self.workers = workers
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self._static = tempfile.TemporaryDirectory(prefix="bench-static-")
        self._log = tempfile.TemporaryFile(prefix="bench-gunicorn-")  # noqa: SIM115 (closed in __exit__)

    def __enter__(self) -> Self:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": self._static.name,
            "BACKOFFICE_ALLOW_PASSWORD_ONLY": "1",
            "CONN_MAX_AGE": "60",
            "CONSOLE_BENCH": "0",
        }
        env.pop("CONSOLE_PROCESS", None)  # wsgi.py marks gunicorn's workers as the web process
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT, env=env, check=True,
        )
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "-c", "platform_console/gunicorn_conf.py", "platform_console.wsgi",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--timeout", "30",
                "--log-level", "warning",
            ],
            # Its log (a line per request) goes to a file: a pipe nobody reads would fill and
            # stop every worker mid-request.
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self._log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.seek(0)
                raise HttpBenchError(f"gunicorn stopped: {self._log.read().decode()[-2000:]}")
            with contextlib.suppress(OSError):
                status, _ = request(self.port, "/healthz", {})
                if status == 200:
                    return self
            time.sleep(0.2)
        self.__exit__()
        raise HttpBenchError("gunicorn did not answer /healthz within 60 s")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the master and its workers so far, from /proc."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        pids = [self.process.pid]
        children = f"/proc/{self.process.pid}/task/{self.process.pid}/children"
        with contextlib.suppress(OSError), open(children) as listed:
            pids += [int(pid) for pid in listed.read().split()]
        for pid in pids:
            with contextlib.suppress(OSError, ValueError, IndexError), open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return total

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._static.cleanup()
        self._log.close()


def session_cookie(user_id: int) -> dict:
    """A signed-in session (stored in the database, as every session is) for the HTTP clients."""
    client = Client()
    client.force_login(get_user_model().objects.get(pk=user_id))
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}


def request(port: int, path: str, headers: dict, params: dict | None = None) -> tuple[int, float]:
    """One GET on a new connection (gunicorn's sync workers close it after each response, as
    they do in production); returns the status and the milliseconds until the body was read."""
    url = path + (f"?{urlencode(params)}" if params else "")
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        # As the load balancer forwards it: HTTPS was ended there.
        connection.request("GET", url, headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1", **headers})
        response = connection.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000
    finally:
        connection.close()


@dataclass
class Target:
    """What one group of clients asks for: a path and the parameters it cycles through."""

    name: str
    path: str
    headers: dict
    params: list[dict] = field(default_factory=lambda: [{}])


@dataclass
class Load:
    """Each target's requests during one timed run: latencies (ms), errors, seconds."""

    seconds: float
    latencies: dict[str, list[float]]
    errors: dict[str, list[str]]
    cpu_seconds: float | None = None  # of `on_counting` over the counted seconds

    def per_second(self, name: str) -> float:
        return len(self.latencies[name]) / self.seconds

    def latency(self, name: str) -> Latency:
        return Latency(self.latencies[name])


def run_load(port: int, groups: list[tuple[Target, int]], seconds: float, warm: float = 1.0, on_counting=None) -> Load:
    """`clients` threads per target, all started together, each sending its target's requests one
    after another for `warm` seconds (not counted) and then `seconds`. `on_counting`, if given, is
    read when counting starts and when it ends (a CPU clock)."""
    latencies = {target.name: [] for target, _ in groups}
    errors = {target.name: [] for target, _ in groups}
    lock = threading.Lock()
    start = threading.Barrier(sum(clients for _, clients in groups) + 1)
    timing = {}

    def client(target: Target, offset: int) -> None:
        start.wait()
        n = offset
        while (now := time.perf_counter()) < timing["end"]:
            params = target.params[n % len(target.params)]
            n += 1
            try:
                status, elapsed = request(port, target.path, target.headers, params)
            except OSError as error:
                status, elapsed = 0, 0.0
                problem = repr(error)
            else:
                problem = f"{status} for {target.path} {params}" if status != 200 else ""
            if now < timing["counted_from"]:
                continue
            with lock:
                if problem:
                    errors[target.name].append(problem)
                else:
                    latencies[target.name].append(elapsed)

    threads = [
        threading.Thread(target=client, args=(target, n * 7), daemon=True)
        for target, clients in groups
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    timing["counted_from"] = began + warm
    timing["end"] = began + warm + seconds
    start.wait()
    cpu = None
    if on_counting is not None:
        time.sleep(max(0.0, timing["counted_from"] - time.perf_counter()))
        cpu = on_counting()
        time.sleep(max(0.0, timing["end"] - time.perf_counter()))
        cpu = on_counting() - cpu
    for thread in threads:
        thread.join(timeout=seconds + warm + 120)
    return Load(seconds=seconds, latencies=latencies, errors=errors, cpu_seconds=cpu)


@dataclass
class HttpRow:
    """One page at one client count; `cpu_ms` is gunicorn's CPU per request (Python, the driver,
    the server's own work: all but PostgreSQL's and the clients')."""

    page: str
    clients: int
    per_second: float
    latency: Latency
    errors: int
    cpu_ms: float | None = None

    def as_dict(self) -> dict:
        return {
            "page": self.page,
            "clients": self.clients,
            "per_second": round(self.per_second, 1),
            **self.latency.as_dict(),
            "errors": self.errors,
            "gunicorn_cpu_ms": round(self.cpu_ms, 2) if self.cpu_ms is not None else None,
        }


def pages_over_http(server: Gunicorn, targets: list[Target], clients: list[int], seconds: float) -> list[HttpRow]:
    rows = []
    for count in clients:
        for target in targets:
            load = run_load(server.port, [(target, count)], seconds, warm=min(1.0, seconds), on_counting=server.cpu_seconds)
            failed = load.errors[target.name]
            if failed and not load.latencies[target.name]:
                raise HttpBenchError(f"every request to {target.path} failed: {failed[:3]}")
            served = len(load.latencies[target.name]) + len(failed)
            cpu = (load.cpu_seconds * 1000 / served) if load.cpu_seconds is not None and served else None
            rows.append(
                HttpRow(target.name, count, load.per_second(target.name), load.latency(target.name), len(failed), cpu)
            )
    return rows


@dataclass
class Mixed:
    list_latency: Latency
    list_per_second: float
    search_latency: Latency
    search_per_second: float
    errors: int

    def as_dict(self) -> dict:
        return {
            "list": {**self.list_latency.as_dict(), "per_second": round(self.list_per_second, 1)},
            "search": {**self.search_latency.as_dict(), "per_second": round(self.search_per_second, 1)},
            "errors": self.errors,
        }


def mixed_load(port: int, listing: Target, searches: Target, seconds: float) -> Mixed:
    """3 clients on the worst searches beside 2 on the list: what slow searches do to the list."""
    load = run_load(port, [(searches, 3), (listing, 2)], seconds, warm=min(1.0, seconds))
    return Mixed(
        list_latency=load.latency(listing.name),
        list_per_second=load.per_second(listing.name),
        search_latency=load.latency(searches.name),
        search_per_second=load.per_second(searches.name),
        errors=sum(len(found) for found in load.errors.values()),
    )

