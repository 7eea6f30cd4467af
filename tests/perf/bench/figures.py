"""The figures of the benchmark, each measured on the loaded data set.

Pages are requested through Django's whole WSGI stack (middleware, sessions, the operator
context, the view, the template) with the test Client, in this process; "server time" is
`time.perf_counter()` around each `client.get`, so it is the time the request spends in Django
and PostgreSQL, without a network or a browser. Every response must be a 200.
"""

import multiprocessing
import os
import queue
import random
import re
import shutil
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Self

import psycopg
from django.conf import settings
from django.db import connection as db
from django.db import connections
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Connection
from money import engine
from money import services as money_services
from money.models import TopUp
from platform_console.models import Membership, User
from platform_console.pagination import encode_cursor
from requirements_engine import sweeps as requirement_sweeps
from requirements_engine.models import Requirement

from . import worker
from .dataset import LIVEMODE, Dataset
from .report import Latency

LIST_URL = "/accounts/"
ADMIN_URL = "/backoffice/accounts/connection/"
NEXT_CURSOR = re.compile(r'<a [^>]*href="[^"]*[?&;]after=([A-Za-z0-9_\-]+)[^>]*rel="next"')


class BenchError(RuntimeError):
    pass


# Pages ------------------------------------------------------------------------------------------


class Pages:
    """Signed-in clients for the operator (the dashboard) and provider staff (the admin)."""

    def __init__(self, data: Dataset):
        self.data = data
        self.operator = Client()
        self.operator.force_login(User.objects.get(pk=data.admin_user_id))
        self.staff = Client()
        self.staff.force_login(User.objects.get(pk=data.staff_user_id))

    def get(self, client: Client, url: str, params: dict | None = None) -> tuple[float, str]:
        started = time.perf_counter()
        # secure=True: the production settings redirect plain HTTP to HTTPS.
        response = client.get(url, params or {}, secure=True)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise BenchError(f"GET {url} {params or ''} answered {response.status_code}, not 200")
        return elapsed, response.content.decode()

    def repeat(self, client: Client, url: str, params_list: list[dict], rounds: int) -> Latency:
        samples = []
        cpu = time.process_time()
        for n in range(rounds):
            elapsed, _ = self.get(client, url, params_list[n % len(params_list)])
            samples.append(elapsed)
        return Latency(samples, cpu_ms=(time.process_time() - cpu) * 1000 / rounds)

    def warm(self, requests: int = 5) -> None:
        for _ in range(requests):
            self.get(self.operator, LIST_URL)
            self.get(self.staff, ADMIN_URL)


def list_first_page(pages: Pages, rounds: int) -> Latency:
    return pages.repeat(pages.operator, LIST_URL, [{}], rounds)


def deep_cursor(data: Dataset) -> str:
    """The list's cursor at the row half way down (N/2)."""
    scope = Connection.objects.filter(
        platform_id=data.platform_id, livemode=LIVEMODE, lifecycle_state__in=Connection.VISIBLE_STATES
    )
    edge = scope.order_by("-created_at", "-pk").values_list("created_at", "pk")[data.accounts // 2]
    return encode_cursor(*edge)


def list_deep_pages(pages: Pages, rounds: int) -> tuple[Latency, int]:
    """Older pages from the middle of the list: a cursor for the row at N/2, then each following
    page by its "Older" link, as an operator paging on would. Returns the depth reached too."""
    depth = pages.data.accounts // 2
    cursor = deep_cursor(pages.data)
    samples = []
    for _ in range(rounds):
        elapsed, html = pages.get(pages.operator, LIST_URL, {"after": cursor})
        samples.append(elapsed)
        found = NEXT_CURSOR.search(html)
        if found is None:
            raise BenchError("a deep page of the list had no Older link")
        cursor = found.group(1)
    return Latency(samples), depth


@dataclass
class Searches:
    names: list[dict]
    emails: list[dict]
    ids: list[dict]
    metadata: list[dict]
    kinds: dict  # what each query list is made of, for the report


def pick_searches(data: Dataset, count: int, seed: int = 7) -> Searches:
    """Search boxes filled from random loaded accounts: a word of a name (thousands of matches at
    a million), a whole name (a handful), a misspelt name (none), a whole email address, an acct_
    id, a unique metadata value (order_ref) and a common one (tier: one account in seven)."""
    rng = random.Random(seed)
    visible = Connection.objects.filter(
        platform_id=data.platform_id, livemode=LIVEMODE, lifecycle_state__in=Connection.VISIBLE_STATES
    )
    low, high = 1, data.accounts
    ids = [rng.randint(low, high) for _ in range(count * 3)]
    rows = list(
        visible.filter(pk__in=ids).values_list(
            "account__name", "account__email", "account__public_id", "metadata"
        )
    )
    rng.shuffle(rows)
    rows = rows[:count] or list(
        visible.values_list("account__name", "account__email", "account__public_id", "metadata")[:count]
    )
    names, kinds = [], {"word": 0, "whole name": 0, "misspelt": 0}
    for n, (name, *_) in enumerate(rows):
        words = name.split()
        if n % 4 in (0, 1):
            names.append({"q": rng.choice(words).lower()})
            kinds["word"] += 1
        elif n % 4 == 2:
            names.append({"q": name})
            kinds["whole name"] += 1
        else:
            names.append({"q": _misspell(name, rng)})
            kinds["misspelt"] += 1
    emails = [{"q": email} for _, email, _, _ in rows]
    public_ids = [{"q": public_id} for _, _, public_id, _ in rows]
    metadata = []
    for n, (*_, meta) in enumerate(rows):
        metadata.append(
            {"q": f"order_ref:{meta['order_ref']}"} if n % 2 == 0 else {"q": f"tier:{meta['tier']}"}
        )
    return Searches(names, emails, public_ids, metadata, kinds)


ADVERSARIAL_KINDS = (
    "one character", "two characters", "punctuation and wildcards", "no match", "no match, filtered",
    "common word, rare filter", "misspelt", "200 characters", "non-Latin", "email", "id", "metadata",
)


def adversarial_searches(data: Dataset, seed: int = 11) -> dict[str, list[dict]]:
    """What the search box accepts beyond what operators usually type (issue 19), by kind: one
    and two characters, common and rare; punctuation and LIKE wildcards; words that match
    nothing, alone and beside filters; a common word beside a rare filter; misspellings;
    200-character strings; non-Latin scripts; emails whole and in part; ids; metadata pairs."""
    rng = random.Random(seed)
    visible = Connection.objects.filter(
        platform_id=data.platform_id, livemode=LIVEMODE, lifecycle_state__in=Connection.VISIBLE_STATES
    )
    columns = ("account__name", "account__email", "account__public_id", "metadata")
    sample = list(
        visible.filter(pk__in=[rng.randint(1, data.accounts) for _ in range(40)]).values_list(*columns)[:8]
    ) or list(visible.values_list(*columns)[:8])
    name, email, public_id, metadata = sample[0]
    long_word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(200))
    mix = {
        "one character": [{"q": q} for q in ("a", "m", "q", "x", "7", "é")],
        "two characters": [{"q": q} for q in ("ma", "jo", "zq", "xq", "jj", "vv", "qz")],
        "punctuation and wildcards": [{"q": q} for q in ("%", "_", "!", "%%", "a%b", "_a", "\\", "'", "--", "*")],
        "no match": [{"q": q} for q in ("zzzzzz", "qwxyzzy", "xylophonist", "0000000000")],
        "no match, filtered": [
            {"q": "qwxyzzy", "status": "restricted"},
            {"q": "zzzzzz", "country": "JP", "access": "express"},
        ],
        "common word, rare filter": [
            {"q": "gmbh", "country": "US"},
            {"q": "k.k.", "country": "DE"},
            {"q": "bakery", "country": "JP", "status": "rejected"},
            {"q": "example", "status": "rejected", "needs": "past_due"},
        ],
        "misspelt": [{"q": _misspell(row[0], rng)} for row in sample[1:5]],
        "200 characters": [
            {"q": long_word},
            {"q": "a" * 200},
            {"q": (name + " ") * (200 // (len(name) + 1)) + "x" * (200 % (len(name) + 1))},
        ],
        "non-Latin": [{"q": q} for q in ("東京", "株式会社", "ключ", "Ελλάδα", "مرحبا", "ß")],
        "email": [
            {"q": email},
            {"q": email.split("@")[0]},
            {"q": "@" + email.split("@")[1]},
            {"q": "example"},
        ],
        "id": [{"q": public_id}, {"q": "acct_" + "Z" * 16}, {"q": public_id[:9]}],
        "metadata": [
            {"q": f"order_ref:{metadata['order_ref']}"},
            {"q": "tier:gold"},
            {"q": "tier:nonesuch"},
            {"q": "nokey:novalue"},
        ],
    }
    assert tuple(mix) == ADVERSARIAL_KINDS
    return mix


def _misspell(name: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped in each word: what a hurried operator types."""
    words = []
    for word in name.split():
        if len(word) > 3:
            at = rng.randrange(1, len(word) - 2)
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        words.append(word)
    return " ".join(words) + "x"


def details_page(pages: Pages, rounds: int) -> tuple[Latency, int, int]:
    """The Account details page of the account with 5 persons, 10 requirements and 20 audit
    events; returns its latency, its query count and the plain account's query count."""
    url = f"/accounts/{pages.data.details_account}/"
    plain = f"/accounts/{pages.data.plain_account}/"
    pages.get(pages.operator, url)
    pages.get(pages.operator, plain)
    # Counted at once: the next request clears the connection's query log.
    with CaptureQueriesContext(db) as captured:
        pages.get(pages.operator, url)
    full = len(captured.captured_queries)
    with CaptureQueriesContext(db) as captured:
        pages.get(pages.operator, plain)
    small = len(captured.captured_queries)
    latency = pages.repeat(pages.operator, url, [{}], rounds)
    latency.queries = full
    return latency, full, small


def admin_changelist(pages: Pages, rounds: int) -> Latency:
    return pages.repeat(pages.staff, ADMIN_URL, [{}], rounds)


# Transfers ------------------------------------------------------------------------------------


def cpu_busy_seconds() -> float | None:
    """CPU time the whole machine has spent busy (all processes, all cores), from /proc/stat;
    None where there is none. Differences of it give the CPU cost of a run, other work
    included."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def wal_position() -> str | None:
    """Where the server writes its WAL now (`pg_current_wal_lsn()`, one position for the whole
    cluster); None off PostgreSQL."""
    if db.vendor != "postgresql":
        return None
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        return str(cursor.fetchone()[0])


def _wal_bytes_between(before: str | None, after: str | None) -> int | None:
    if before is None or after is None or db.vendor != "postgresql":
        return None
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, %s::pg_lsn)", [after, before])
        return int(cursor.fetchone()[0])


@dataclass
class Mark:
    """The machine's busy CPU time and the server's WAL position at one moment: taken as a timed
    run starts and as it ends (as the workers set off and as the last result comes in: starting
    and stopping 8 worker processes took 14 CPU seconds on 2 cores, beside 4 for their 2 seconds
    of transfers), the differences are what the run cost. Both count everything: every process of
    the machine (PostgreSQL's backends with the clients) and every database of the server
    (autovacuum's WAL too), as the load average does; that is what lets a transfer be compared
    with a pgbench transaction, whose work is mostly the server's."""

    cpu_busy: float | None
    wal_lsn: str | None

    @classmethod
    def now(cls) -> Self:
        return cls(cpu_busy_seconds(), wal_position())

    def cost_until(self, end: "Mark", count: int) -> tuple[float | None, int | None]:
        """The CPU milliseconds per one of `count` transactions from this mark to `end`, and the
        bytes of WAL written between them (all of them: divided where they are reported)."""
        cpu_ms = None
        if end.cpu_busy is not None and self.cpu_busy is not None and count:
            cpu_ms = round((end.cpu_busy - self.cpu_busy) * 1000 / count, 3)
        return cpu_ms, _wal_bytes_between(self.wal_lsn, end.wal_lsn)


def _per(total: int | None, count: int) -> float | None:
    return round(total / count, 1) if total is not None and count else None


@dataclass
class TransferRun:
    workers: int
    transfers: int
    seconds: float
    latencies_ms: list[float]
    errors: list[str]
    windows_ms: list[float]  # how long each transfer held its ledger rows: lock granted to commit
    cpu_ms_per_transfer: float | None = None  # machine-wide CPU time per transfer
    wal_bytes: int | None = None  # WAL the server wrote during the run

    @property
    def per_second(self) -> float:
        return self.transfers / self.seconds if self.seconds else 0.0

    @property
    def wal_bytes_per_transfer(self) -> float | None:
        return _per(self.wal_bytes, self.transfers)

    def as_dict(self) -> dict:
        return {
            "transfers": self.transfers,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.per_second, 1),
            "cpu_ms_per_transfer": self.cpu_ms_per_transfer,
            "wal_bytes": self.wal_bytes,
            "wal_bytes_per_transfer": self.wal_bytes_per_transfer,
            "latency": Latency(self.latencies_ms).as_dict(),
            "lock_window": Latency(self.windows_ms).as_dict(),
        }


@contextmanager
def _lock_windows(into: list[float]):
    """Time each posting's hold on its ledger rows, from the entries having locked them to the end
    of the COMMIT, on the server's clock (money.engine's observer): the window in which every other
    transfer of the platform waits."""
    engine.lock_window_observer = lambda seconds: into.append(seconds * 1000)
    try:
        yield
    finally:
        engine.lock_window_observer = None


def transfer_pool(data: Dataset, size: int) -> list[int]:
    """Connections that may receive USD transfers: active, enabled, in the US."""
    return list(
        Connection.objects.filter(
            platform_id=data.platform_id,
            livemode=LIVEMODE,
            lifecycle_state="active",
            status="enabled",
            account__country="US",
            capabilities__name="transfers",
            capabilities__status="active",
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )


def fund_platform(data: Dataset, amount_per_transfer: int, transfers: int) -> None:
    """Top the platform balance up through the real services (live top-ups settle later, so
    settle them now), enough for `transfers` transfers."""
    actor = _actor(data)
    need = amount_per_transfer * transfers
    largest = 100_000_000 * 100
    while need > 0:
        topup = money_services.add_to_balance(
            actor=actor,
            amount=min(need, largest),
            currency="usd",
            livemode=LIVEMODE,
            idempotency_key=f"bench-topup-{uuid.uuid4().hex}",
            description="Bench funding",
        )
        if topup.status == TopUp.Status.PENDING:
            money_services.settle_topup(topup_id=topup.pk)
        need -= largest


def _actor(data: Dataset) -> Membership:
    return (
        Membership.objects.select_related("platform", "user")
        .prefetch_related("roles")
        .get(user_id=data.admin_user_id, platform_id=data.platform_id)
    )


def transfer_loop(data: Dataset, connection_ids: list[int], seconds: float, run: str, start) -> tuple:
    """One worker: its own database connection, transfers to its own accounts, all from the one
    platform balance (the hot row)."""
    try:
        actor = _actor(data)
        targets = list(
            Connection.objects.filter(pk__in=connection_ids)
            .select_related("account")
            .prefetch_related("capabilities", "account__external_accounts")
        )
        rng = random.Random(run)
        # The first worker at the barrier marks the machine's CPU and the WAL as they all set off:
        # the run's cost leaves out the workers' start-up (an interpreter, Django and the targets
        # each, more than half a CPU second).
        mark = Mark.now() if start() == 0 else None
        latencies, errors, windows, count = [], [], [], 0
        began = time.perf_counter()
        stop = began + seconds
        with _lock_windows(windows):
            while (now := time.perf_counter()) < stop:
                target = targets[count % len(targets)]
                try:
                    money_services.create_transfer(
                        actor=actor,
                        connection=target,
                        amount=rng.randint(1, 99),
                        currency="usd",
                        idempotency_key=f"bench-{run}-{count}",
                        description="Bench transfer",
                    )
                except Exception as error:  # noqa: BLE001 - reported, and fails the figure
                    errors.append(f"{type(error).__name__}: {error}")
                    if len(errors) > 20:
                        break
                else:
                    count += 1
                latencies.append((time.perf_counter() - now) * 1000)
        return count, time.perf_counter() - began, latencies, errors, windows, mark
    finally:
        connections.close_all()


def transfers(
    data: Dataset, workers: int, seconds: float, pool: list[int], *, mode: str = "process"
) -> TransferRun:
    """`workers` workers posting transfers for `seconds`, each with its own connection and its
    own slice of `pool`; processes by default (the GIL would serialise threads' Python). Its CPU
    and WAL per transfer are counted from the workers' start together (see `transfer_loop`) to
    the last one's result.

    Processes are spawned, not forked: a fresh interpreter inherits no database connection, thread
    or event loop from this one (a forked child can: under the test suite, after the browser
    tests, two children wrote to one inherited socket)."""
    slices = [pool[n::workers] for n in range(workers)]
    run = uuid.uuid4().hex[:10]
    outcomes = []
    if mode == "thread":
        barrier = threading.Barrier(workers)
        lock = threading.Lock()

        def work(n):
            result = transfer_loop(data, slices[n], seconds, f"{run}-{n}", barrier.wait)
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ended = Mark.now()
    else:
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(workers)
        results = context.Queue()
        database = settings.DATABASES[db.alias]["NAME"]  # under the tests, the test database
        processes = [
            context.Process(
                target=worker.run,
                args=(database, data.as_dict(), slices[n], seconds, f"{run}-{n}", barrier, results),
            )
            for n in range(workers)
        ]
        for process in processes:
            process.start()
        try:
            outcomes = _collect(results, processes, deadline=time.monotonic() + seconds + 180)
            ended = Mark.now()  # the last result is in; the processes' exit is not the run's cost
        finally:
            for process in processes:
                process.join(timeout=30)
                if process.is_alive():
                    process.terminate()
    count = sum(o[0] for o in outcomes)
    elapsed = sum(o[1] for o in outcomes) / len(outcomes)
    latencies = [value for o in outcomes for value in o[2]]
    errors = [e for o in outcomes for e in o[3]]
    windows = [value for o in outcomes for value in o[4]]
    started = next((o[5] for o in outcomes if o[5] is not None), Mark(None, None))
    cpu_ms, wal_bytes = started.cost_until(ended, count)
    return TransferRun(
        workers=workers,
        transfers=count,
        seconds=elapsed,
        latencies_ms=latencies,
        errors=errors,
        windows_ms=windows,
        cpu_ms_per_transfer=cpu_ms,
        wal_bytes=wal_bytes,
    )


def _collect(results, processes, *, deadline: float) -> list:
    """One result per worker process; fails at once if a worker died without one."""
    outcomes = []
    while len(outcomes) < len(processes):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if time.monotonic() > deadline:
                raise BenchError("transfer workers did not finish in time") from None
            if not any(p.is_alive() for p in processes) and results.empty():
                raise BenchError("a transfer worker died (its traceback is above)") from None
    return outcomes


# pgbench ---------------------------------------------------------------------------------------


def pgbench_available() -> str | None:
    return shutil.which("pgbench") or ("/usr/bin/pgbench" if os.path.exists("/usr/bin/pgbench") else None)


def _server() -> dict:
    conf = settings.DATABASES["default"]
    return {
        "host": conf.get("HOST") or "127.0.0.1",
        "port": str(conf.get("PORT") or 5432),
        "user": conf.get("USER") or "postgres",
        "password": conf.get("PASSWORD") or "",
    }


def _admin_execute(statement: str) -> None:
    server = _server()
    with psycopg.connect(
        host=server["host"],
        port=server["port"],
        user=server["user"],
        password=server["password"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(statement)


def checkpoint() -> bool:
    """CHECKPOINT, so that a measured run starts with no checkpoint of earlier work (the load, the
    last run) writing beside it; every transfer run and every pgbench run starts this way. False
    when the bench's database user may not (it then measures without)."""
    try:
        _admin_execute("CHECKPOINT")
    except psycopg.Error:
        return False
    return True


class PgBench:
    """pgbench on a scratch database, created (scale 1: one branch row, the same hot-row shape as
    one platform balance) on entering and dropped on leaving; `run` measures TPC-B-like
    transactions per second at one client count, and the machine's CPU time and the server's
    WAL per transaction, after a vacuum, a CHECKPOINT and `warm` seconds at that client count
    (as the transfers are measured)."""

    def __init__(self, database: str, scale: int = 1):
        binary = pgbench_available()
        if binary is None:
            raise BenchError("pgbench is not installed")
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
            raise BenchError(f"not a plain database name: {database}")
        server = _server()
        self.database, self.scale = database, scale
        self.env = {**os.environ, "PGPASSWORD": server["password"]} if server["password"] else dict(os.environ)
        self.base = [binary, "-h", server["host"], "-p", server["port"], "-U", server["user"]]

    def __enter__(self) -> Self:
        _admin_execute(f"DROP DATABASE IF EXISTS {self.database}")
        _admin_execute(f"CREATE DATABASE {self.database}")
        try:
            self._pgbench("-i", "-q", "-s", str(self.scale))
        except BaseException:
            _admin_execute(f"DROP DATABASE IF EXISTS {self.database}")
            raise
        return self

    def __exit__(self, *exc) -> None:
        _admin_execute(f"DROP DATABASE IF EXISTS {self.database}")

    def _pgbench(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.base, *args, self.database], env=self.env, check=True, capture_output=True, text=True
        )

    def run(self, clients: int, seconds: float, warm: float = 0) -> dict:
        self._pgbench("-c", "1", "-t", "1")  # vacuum first (pgbench's default), then time only the run
        checkpoint()
        threads = min(clients, os.cpu_count() or 1)
        if warm:
            self._pgbench("-n", "-c", str(clients), "-j", str(threads), "-T", str(max(1, round(warm))))
        mark = Mark.now()
        done = self._pgbench("-n", "-c", str(clients), "-j", str(threads), "-T", str(max(1, round(seconds))))
        ended = Mark.now()
        found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
        processed = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
        if found is None or processed is None:
            raise BenchError(f"could not read pgbench's output:\n{done.stdout}\n{done.stderr}")
        transactions = int(processed.group(1))
        cpu_ms, wal_bytes = mark.cost_until(ended, transactions)
        return {
            "tps": float(found.group(1)),
            "transactions": transactions,
            "cpu_ms_per_transaction": cpu_ms,
            "wal_bytes": wal_bytes,
            "wal_bytes_per_transaction": _per(wal_bytes, transactions),
        }


@dataclass
class Pair:
    """One timed transfer run and the pgbench run right after it at the same client count (None
    without pgbench): the ratio is taken within a pair, whose two runs share the machine's
    conditions of the moment, and varies from pair to pair."""

    run: TransferRun
    pgbench: dict | None = None

    @property
    def ratio(self) -> float | None:
        tps = self.pgbench["tps"] if self.pgbench else None
        return self.run.per_second / tps if tps else None

    def as_dict(self) -> dict:
        pgbench = self.pgbench or {}
        return {
            **self.run.as_dict(),
            "pgbench_tps": pgbench.get("tps"),
            "pgbench_transactions": pgbench.get("transactions"),
            "pgbench_cpu_ms_per_transaction": pgbench.get("cpu_ms_per_transaction"),
            "pgbench_wal_bytes": pgbench.get("wal_bytes"),
            "pgbench_wal_bytes_per_transaction": pgbench.get("wal_bytes_per_transaction"),
            "ratio": round(self.ratio, 3) if self.ratio is not None else None,
        }


# Sweeps ----------------------------------------------------------------------------------------


@dataclass
class Sweeps:
    deadline_seconds: float
    deadline_recomputed: int
    inactivity_seconds: float
    held: int
    released: int
    update_seconds: float
    updated_rows: int


def sweeps(data: Dataset) -> Sweeps:
    """The deadline sweep and the inactivity sweep as Celery beat runs them (over every
    connection), then one plain UPDATE writing every visible connection of the platform: the
    least the database itself needs to go over the same rows once."""
    now = timezone.now()
    started = time.perf_counter()
    recomputed = requirement_sweeps.deadline_sweep(now=now)
    deadline_seconds = time.perf_counter() - started
    started = time.perf_counter()
    held, released = requirement_sweeps.hold_inactive_verifications(now=now)
    inactivity_seconds = time.perf_counter() - started
    with db.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "UPDATE accounts_connection SET updated_at = updated_at "
            "WHERE platform_id = %s AND livemode = %s AND lifecycle_state = ANY(%s)",
            [data.platform_id, LIVEMODE, list(Connection.VISIBLE_STATES)],
        )
        updated = cursor.rowcount
        update_seconds = time.perf_counter() - started
        # The UPDATE left a dead version of every row: clean up for the next run (untimed).
        cursor.execute("VACUUM (ANALYZE) accounts_connection")
    return Sweeps(deadline_seconds, recomputed, inactivity_seconds, held, released, update_seconds, updated)


@dataclass
class BacklogRun:
    """One sweep over a backlog: how many connections it changed, how many of them it re-evaluated
    (the others the change cannot alter, see requirements_engine.sweeps), and how long it took."""

    changed: int
    evaluated: int
    seconds: float

    @property
    def ms_per_change(self) -> float:
        return self.seconds * 1000 / self.changed if self.changed else 0.0

    def as_dict(self) -> dict:
        return {
            "changed": self.changed,
            "evaluated": self.evaluated,
            "seconds": round(self.seconds, 3),
            "ms_per_change": round(self.ms_per_change, 4),
            "batch_size": requirement_sweeps.BATCH_SIZE,
        }


@dataclass
class Backlog:
    hold: BacklogRun
    release: BacklogRun
    deadline: BacklogRun


def backlog(data: Dataset, size: int) -> Backlog:
    """The sweeps over a backlog, as after an outage of the beat, or on the day a rule changes:
    `size` active connections (spread over the table) last active 600 days ago are put on hold,
    then, active again, released; then `size` connections with items due (fewer where the data
    set has fewer) find their deadline passed. What sets each backlog up (plain UPDATEs, then a
    VACUUM, as autovacuum would have run while it built up) is not timed.

    Afterwards the connections get their last activity back, so that the day's-worth run finds the
    same work next time. What the sweeps re-evaluated stays re-evaluated: the generated rows are
    replaced by what the rules make of the generated facts (no bank accounts, no checks), which is
    work of the same kind."""
    now = timezone.now()
    scope = Connection.objects.filter(platform_id=data.platform_id, livemode=LIVEMODE)
    pool = scope.filter(lifecycle_state="active", verifications_held_at__isnull=True)
    ids = list(pool.order_by("pk").values_list("pk", flat=True))
    ids = ids[:: max(1, len(ids) // size)][:size] if size else []
    saved = list(scope.filter(pk__in=ids).values_list("pk", "last_activity_at"))
    with_work = (
        scope.filter(pk__in=ids).filter(Q(currently_due_count__gt=0) | Q(pending_verification_count__gt=0)).count()
    )

    _set_activity(ids, now - timedelta(days=600))
    started = time.perf_counter()
    held, _ = requirement_sweeps.hold_inactive_verifications(now=now)
    hold = BacklogRun(held, with_work, time.perf_counter() - started)

    _set_activity(ids, now + timedelta(minutes=1))
    started = time.perf_counter()
    _, released = requirement_sweeps.hold_inactive_verifications(now=now + timedelta(minutes=2))
    release = BacklogRun(released, with_work, time.perf_counter() - started)
    with db.cursor() as cursor:  # their activity back (untimed)
        cursor.executemany(
            "UPDATE accounts_connection SET last_activity_at = %s WHERE id = %s", [(at, pk) for pk, at in saved]
        )

    due = list(
        scope.filter(lifecycle_state="active", currently_due_count__gt=0, verifications_held_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    passed = now - timedelta(days=31)
    Requirement.objects.filter(connection_id__in=due, currently_due=True).update(
        first_due_at=passed, deadline=passed + timedelta(days=30)
    )
    scope.filter(pk__in=due).update(current_deadline=passed + timedelta(days=30))
    _vacuum()
    started = time.perf_counter()
    recomputed = requirement_sweeps.deadline_sweep(now=now)
    deadline = BacklogRun(recomputed, recomputed, time.perf_counter() - started)
    _vacuum()
    return Backlog(hold, release, deadline)


def _set_activity(ids: list[int], at) -> None:
    Connection.objects.filter(pk__in=ids).update(last_activity_at=at)
    _vacuum()


def _vacuum() -> None:
    with db.cursor() as cursor:
        for table in ("accounts_connection", "accounts_capability", "requirements_engine_requirement"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
