"""`python manage.py bench`: load N connected accounts into a PostgreSQL database of its own and
measure the console at that size, beside Django's admin and pgbench (issue 9). `make bench`
runs it against postgres://postgres@127.0.0.1:5432/console_bench unless DATABASE_URL says
otherwise. The figures and what they mean are in tests/perf/bench/ and the README's
Performance section."""

import contextlib
import os
import platform as host
import time

import django
import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError
from django.db import connection as db
from django.test.utils import override_settings

from tests.perf.bench import dataset, figures
from tests.perf.bench import http as over_http
from tests.perf.bench.report import Figure, Latency, Report, spread

TARGETS = {
    "list_p95_ms": 50,
    "search_p95_ms": 100,
    "details_p95_ms": 60,
    "admin_over_list": 5,
    "one_worker_over_pgbench": 1.0,
    "transfers_over_pgbench": 0.6,  # the median pair's, at the most workers
    "sweep_over_update": 2,
    "sweep_ms_per_change": 0.5,
    "python_ms_per_page": 5,  # this process's CPU per list or details request
    "http_list_over_admin": 5,  # throughput, at 4 clients
    "mixed_list_p95_ms": 100,
}


class Command(BaseCommand):
    help = "Load N connected accounts into a PostgreSQL bench database and measure the console at that size."
    # Run inside the settings the pages are measured with (see `_measuring_settings`): the URL
    # checks import urls.py, which needs the static files storage those settings choose.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts", type=int, default=100_000, help="connected accounts to load (100000)"
        )
        parser.add_argument(
            "--requests", type=int, default=200, help="requests per page figure, for p50/p95/p99 (200)"
        )
        parser.add_argument(
            "--seconds",
            "--duration",
            dest="seconds",
            type=float,
            default=10.0,
            help="seconds of each transfer and pgbench run (10)",
        )
        parser.add_argument(
            "--workers", default="1,4,8", help="concurrent transfer workers and pgbench clients"
        )
        parser.add_argument(
            "--pairs",
            type=int,
            default=5,
            help="times the pair at the most workers runs (checkpoint, warm-up, transfers, then "
            "pgbench at as many clients); the report gives the median ratio and its range (5)",
        )
        parser.add_argument(
            "--worker-mode",
            choices=["process", "thread"],
            default="process",
            help="transfer workers as separate processes (default) or threads of this one",
        )
        parser.add_argument(
            "--json",
            dest="json_path",
            default="bench-results.json",
            help="where to write the results (bench-results.json)",
        )
        parser.add_argument(
            "--reuse",
            "--skip-load",
            dest="reuse",
            action="store_true",
            help="measure the data set already loaded (with the same --accounts)",
        )
        parser.add_argument("--load-only", action="store_true", help="load the data set and stop")
        parser.add_argument(
            "--pgbench-db",
            default="console_pgbench",
            help="scratch database for pgbench, created and dropped (console_pgbench)",
        )
        parser.add_argument("--skip-pgbench", action="store_true", help="no pgbench ceiling")
        parser.add_argument(
            "--backlog",
            type=int,
            default=100_000,
            help="connections in the sweeps' backlog run: to hold, then to release; and past their deadline "
            "(100000, or as many as the data set has; 0: no backlog run)",
        )
        parser.add_argument(
            "--sweeps-only", action="store_true", help="measure the sweeps only (no pages, no transfers)"
        )
        parser.add_argument(
            "--pages-only", action="store_true", help="measure the pages and searches only (in-process and over HTTP)"
        )
        parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
        parser.add_argument("--skip-http", action="store_true", help="no figures over real HTTP (gunicorn)")
        parser.add_argument(
            "--http-workers", type=int, default=4, help="gunicorn sync workers for the HTTP figures (4)"
        )
        parser.add_argument(
            "--http-clients", default="1,4,16", help="concurrent HTTP clients, one run each (1,4,16)"
        )
        parser.add_argument(
            "--http-seconds", type=float, default=5.0, help="seconds of each HTTP run; the mixed load runs twice as long (5)"
        )

    def handle(self, *args, **options):
        if db.vendor != "postgresql":
            raise CommandError(
                "The bench measures PostgreSQL: set DATABASE_URL=postgres://… (make bench uses "
                "postgres://postgres@127.0.0.1:5432/console_bench). It refuses SQLite."
            )
        try:
            workers = sorted({int(n) for n in options["workers"].split(",") if n.strip()})
        except ValueError as error:
            raise CommandError("--workers is a comma-separated list of numbers, e.g. 1,4,8") from error
        if not workers or min(workers) < 1 or options["accounts"] < 10 or options["requests"] < 1:
            raise CommandError("--workers, --accounts (at least 10) and --requests must be positive")
        if options["pairs"] < 1:
            raise CommandError("--pairs must be at least 1")
        with override_settings(**self._measuring_settings()):
            try:
                self._run(workers, options)
            except figures.BenchError as error:
                raise CommandError(str(error)) from error

    def _run(self, workers: list[int], options) -> None:
        self.check()
        self._ensure_database()
        data = self._data_set(options)
        if options["load_only"]:
            return
        report = Report(accounts=data.accounts, machine=self._machine(), dataset=data.as_dict())
        if not options["sweeps_only"]:
            worst_searches = self._pages(report, data, options["requests"])
            if not options["skip_http"]:
                self._http(report, data, options, worst_searches)
            if not options["pages_only"]:
                self._transfers(report, data, workers, options)
        if not options["pages_only"]:
            self._sweeps(report, data)
            if options["backlog"]:
                self._backlog(report, data, options["backlog"])
        report.machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        self.stdout.write("")
        self.stdout.write(report.table())
        if options["markdown"]:
            self.stdout.write("")
            self.stdout.write(report.table(markdown=True))
        report.write_json(options["json_path"])
        met = report.as_dict()["targets_met"]
        self.stdout.write("")
        self.stdout.write(
            f"Results written to {options['json_path']}. "
            + ("Every target met." if met else "Some targets are missed (✗).")
        )

    # Set-up ------------------------------------------------------------------------------------

    def _ensure_database(self) -> None:
        """Create the bench database when it does not exist yet, then migrate it."""
        try:
            db.ensure_connection()
        except OperationalError as error:
            name = settings.DATABASES["default"]["NAME"]
            if "does not exist" not in str(error):
                raise CommandError(f"Cannot connect to PostgreSQL: {error}") from error
            self.stdout.write(f"Creating database {name}")
            figures._admin_execute(f'CREATE DATABASE "{name}"')
        call_command("migrate", verbosity=0, interactive=False)

    def _data_set(self, options) -> dataset.Dataset:
        accounts = options["accounts"]
        if options["reuse"]:
            found = dataset.find(accounts)
            if found is None:
                raise CommandError(
                    f"No bench data set of {accounts:,} accounts in this database: "
                    "run without --reuse to load it."
                )
            self.stdout.write(f"Reusing the loaded data set of {accounts:,} accounts.")
            return found
        self.stdout.write(f"Loading {accounts:,} connected accounts (COPY)…")
        try:
            data = dataset.load(accounts, log=self.stdout.write)
        except dataset.RefusedDatabase as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Loaded in {data.load_seconds:.1f} s {data.load_steps}")
        return data

    def _measuring_settings(self) -> dict:
        """Pages are measured as production serves them (DEBUG off: no query log), reached as
        the test Client's host; without collected static files the plain storage stands in for
        the manifest one (a dictionary lookup per asset)."""
        overrides = {"DEBUG": False, "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"]}
        storage = settings.STORAGES["staticfiles"]["BACKEND"]
        manifest = os.path.join(settings.STATIC_ROOT, "staticfiles.json")
        if "Manifest" in storage and not os.path.exists(manifest):
            overrides["STORAGES"] = {
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            }
        return overrides

    def _machine(self) -> dict:
        memory = ""
        try:
            with open("/proc/meminfo") as meminfo:
                kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
                memory = f"{kib / 1024 / 1024:.1f} GiB"
        except (OSError, StopIteration, ValueError):
            pass
        cpu = ""
        try:
            with open("/proc/cpuinfo") as cpuinfo:
                cpu = next(
                    (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), ""
                )
        except OSError:
            pass
        with db.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            server = {}
            for name in ("shared_buffers", "work_mem", "synchronous_commit", "max_connections"):
                cursor.execute(f"SHOW {name}")
                server[name] = cursor.fetchone()[0]
        return {
            # Other work on the machine skews every figure: say how busy it was.
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "nproc": os.cpu_count(),
            "memory": memory,
            "cpu": cpu,
            "postgresql": version,
            "postgresql_settings": server,
            "python": host.python_version(),
            "django": django.get_version(),
            "psycopg": psycopg.__version__,
            "os": f"{host.system()} {host.release()}",
        }

    # Figures -----------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.stdout.write(text)

    def _pages(self, report: Report, data: dataset.Dataset, rounds: int) -> list[dict]:
        """The pages in this process (server time, no network); returns the slowest searches of the
        adversarial mix, for the mixed load over HTTP."""
        pages = figures.Pages(data)
        pages.warm()
        self._say("Measuring pages…")
        admin = figures.admin_changelist(pages, rounds)
        first = figures.list_first_page(pages, rounds)
        deep, depth = figures.list_deep_pages(pages, rounds)
        ratio = admin.p95 / first.p95
        report.add(
            Figure(
                "list.first_page",
                "Connected accounts, first page",
                first.text(),
                f"admin changelist {admin.p95:.1f} ms",
                f"{ratio:.1f}× faster",
                f"p95 < {TARGETS['list_p95_ms']} ms, ≥ {TARGETS['admin_over_list']}× admin",
                first.p95 < TARGETS["list_p95_ms"] and ratio >= TARGETS["admin_over_list"],
                {
                    **first.as_dict(),
                    "admin_p95_ms": round(admin.p95, 2),
                    "admin_over_list_p95": round(ratio, 2),
                    "admin_over_list_p50": round(admin.p50 / first.p50, 2),
                },
            )
        )
        deep_ratio = admin.p95 / deep.p95
        report.add(
            Figure(
                "list.deep_page",
                f"Connected accounts, deep pages (row {depth:,} on)",
                deep.text(),
                f"admin changelist {admin.p95:.1f} ms",
                f"{deep_ratio:.1f}× faster",
                f"p95 < {TARGETS['list_p95_ms']} ms",
                deep.p95 < TARGETS["list_p95_ms"],
                {**deep.as_dict(), "depth": depth},
            )
        )
        searches = figures.pick_searches(data, max(8, min(rounds, 200)))
        for key, label, params in (
            ("search.name", "Search, name substring", searches.names),
            ("search.email", "Search, email", searches.emails),
            ("search.id", "Search, exact acct_ id", searches.ids),
            ("search.metadata", "Search, metadata key:value", searches.metadata),
        ):
            latency = pages.repeat(pages.operator, figures.LIST_URL, params, rounds)
            report.add(
                Figure(
                    key,
                    label,
                    latency.text(),
                    "",
                    "",
                    f"p95 < {TARGETS['search_p95_ms']} ms",
                    latency.p95 < TARGETS["search_p95_ms"],
                    {
                        **latency.as_dict(),
                        "queries": [p["q"] for p in params[:12]],
                        **({"mix": searches.kinds} if key == "search.name" else {}),
                    },
                )
            )
        details, full_queries, plain_queries = figures.details_page(pages, rounds)
        report.add(
            Figure(
                "details",
                "Account details (5 persons, 10 requirements, 20 events)",
                details.text(),
                f"{plain_queries} queries with 1 person, 1 requirement",
                f"{full_queries} queries",
                f"p95 < {TARGETS['details_p95_ms']} ms, fixed queries",
                details.p95 < TARGETS["details_p95_ms"] and full_queries == plain_queries,
                {**details.as_dict(), "queries_plain_account": plain_queries},
            )
        )
        report.add(
            Figure(
                "admin.changelist",
                "Django admin changelist (baseline)",
                admin.text(),
                "",
                "",
                "",
                None,
                admin.as_dict(),
            )
        )
        limit = TARGETS["python_ms_per_page"]
        for key, label, latency in (("list", "Connected accounts", first), ("details", "Account details", details)):
            report.add(
                Figure(
                    f"python.{key}",
                    f"{label}: CPU of this process per request",
                    f"{latency.cpu_ms:.1f} ms",
                    f"server time p50 {latency.p50:.1f} ms",
                    "",
                    f"≤ {limit} ms",
                    latency.cpu_ms <= limit,
                    {"cpu_ms": round(latency.cpu_ms, 2), "p50_ms": round(latency.p50, 2)},
                )
            )
        return self._adversarial(report, pages, rounds)

    def _adversarial(self, report: Report, pages: figures.Pages, rounds: int) -> list[dict]:
        """Every kind of search the box accepts (figures.adversarial_searches), each query on its
        own; a kind meets the target when each of its queries does."""
        self._say("Adversarial searches…")
        per_query = max(3, rounds // 10)
        limit = TARGETS["search_p95_ms"]
        measured = []
        for kind, params_list in figures.adversarial_searches(pages.data).items():
            queries = []
            for params in params_list:
                latency = pages.repeat(pages.operator, figures.LIST_URL, [params], per_query)
                queries.append((latency, params))
                measured.append((latency.p95, params))
            pooled = Latency([ms for latency, _ in queries for ms in latency.samples_ms])
            slowest, slowest_params = max(queries, key=lambda found: found[0].p95)
            report.add(
                Figure(
                    "search.adversarial." + kind.replace(" ", "_").replace(",", ""),
                    f"Search, {kind} ({len(queries)} queries)",
                    pooled.text(),
                    f"slowest {_short(slowest_params)}: p95 {slowest.p95:.1f} ms",
                    "",
                    f"each p95 < {limit} ms",
                    all(latency.p95 < limit for latency, _ in queries),
                    {
                        **pooled.as_dict(),
                        "queries": [{"params": params, **latency.as_dict()} for latency, params in queries],
                    },
                )
            )
        measured.sort(key=lambda found: found[0], reverse=True)
        return [params for _, params in measured[:6]]

    def _http(self, report: Report, data: dataset.Dataset, options, worst_searches: list[dict]) -> None:
        """The pages over real HTTP: gunicorn with --http-workers sync workers, 1, 4 and 16
        concurrent clients per page, then the mixed load."""
        try:
            clients = sorted({int(n) for n in options["http_clients"].split(",") if n.strip()})
        except ValueError as error:
            raise CommandError("--http-clients is a comma-separated list of numbers, e.g. 1,4,16") from error
        seconds, workers = options["http_seconds"], options["http_workers"]
        self._say(f"Pages over HTTP: gunicorn, {workers} workers; {clients} clients, {seconds:g} s each…")
        operator = over_http.session_cookie(data.admin_user_id)
        staff = over_http.session_cookie(data.staff_user_id)
        searches = figures.pick_searches(data, 40)
        targets = [
            over_http.Target("list", figures.LIST_URL, operator),
            over_http.Target("deep page", figures.LIST_URL, operator, [{"after": figures.deep_cursor(data)}]),
            over_http.Target("search", figures.LIST_URL, operator, searches.names + searches.emails),
            over_http.Target("details", f"/accounts/{data.details_account}/", operator),
            over_http.Target("admin changelist", figures.ADMIN_URL, staff),
        ]
        try:
            with over_http.Gunicorn(workers) as server:
                rows = over_http.pages_over_http(server, targets, clients, seconds)
                mixed = over_http.mixed_load(
                    server.port,
                    over_http.Target("list", figures.LIST_URL, operator),
                    over_http.Target("worst searches", figures.LIST_URL, operator, worst_searches),
                    seconds * 2,
                )
        except over_http.HttpBenchError as error:
            raise CommandError(str(error)) from error
        admin = {row.clients: row for row in rows if row.page == "admin changelist"}
        limit = TARGETS["http_list_over_admin"]
        for row in rows:
            baseline = admin[row.clients]
            ratio = row.per_second / baseline.per_second if baseline.per_second and row is not baseline else None
            judged = row.page == "list" and row.clients == 4
            report.add(
                Figure(
                    f"http.{row.page.replace(' ', '_')}.{row.clients}",
                    f"HTTP {row.page}, {row.clients} client{'s' if row.clients > 1 else ''}",
                    f"{row.per_second:,.0f}/s; {row.latency.text()}"
                    + (f" ({row.cpu_ms:.1f} ms gunicorn CPU each)" if row.cpu_ms else ""),
                    f"admin {baseline.per_second:,.0f}/s" if row is not baseline else "",
                    f"{ratio:.1f}×" if ratio else "",
                    f"≥ {limit}× admin's requests/s" if judged else "",
                    (ratio or 0) >= limit if judged else None,
                    {**row.as_dict(), "workers": workers, "over_admin": round(ratio, 2) if ratio else None},
                )
            )
        limit = TARGETS["mixed_list_p95_ms"]
        report.add(
            Figure(
                "http.mixed",
                "HTTP mixed load: 2 clients on the list beside 3 on the worst searches",
                f"list {mixed.list_per_second:,.0f}/s; {mixed.list_latency.text()}",
                f"searches {mixed.search_per_second:,.0f}/s, p95 {mixed.search_latency.p95:.1f} ms",
                "",
                f"list p95 < {limit} ms",
                mixed.list_latency.p95 < limit and not mixed.errors,
                {**mixed.as_dict(), "workers": workers, "searches": worst_searches},
            )
        )
        self._say(f"  done ({time.strftime('%H:%M:%S')})")

    def _transfers(self, report: Report, data: dataset.Dataset, workers: list[int], options) -> None:
        seconds, largest = options["seconds"], max(workers)
        repeats = {count: options["pairs"] if count == largest else 1 for count in workers}
        self._say(f"Transfers for {seconds:g} s at {workers} workers, {repeats[largest]}× at {largest}…")
        pool = figures.transfer_pool(data, largest * 40)
        if len(pool) < largest:
            raise CommandError("Too few accounts can receive transfers: load more accounts.")
        warm = 2.0 if seconds >= 2 else 0
        runs = sum(repeats.values())
        figures.fund_platform(
            data, amount_per_transfer=99, transfers=int(5000 * (seconds + warm) * (runs + 1))
        )
        # Each worker count beside pgbench at the same client count, one after the other, each run
        # after a CHECKPOINT and a warm-up at the same concurrency: the two share the machine's
        # conditions of the moment, and neither pays alone for the full-page images that follow
        # a checkpoint (or for first uses: a target's ledger account is created on its first
        # transfer). Even so the ratio of separate pairs at 8 workers ranged from 0.42 to 0.62, so
        # the pair the target is about runs --pairs times and is judged on its median.
        pairs: dict[int, list[figures.Pair]] = {}
        with contextlib.ExitStack() as stack:
            pgbench = None
            if not options["skip_pgbench"]:
                pgbench = stack.enter_context(figures.PgBench(options["pgbench_db"]))
            for count in workers:
                for n in range(repeats[count]):
                    pair = self._pair(data, count, pool, pgbench, seconds, warm, options["worker_mode"])
                    pairs.setdefault(count, []).append(pair)
                    self._say(_pair_line(pair, n, repeats[count]))
        for count, measured in pairs.items():
            report.add(transfer_figure(count, measured, largest=largest, mode=options["worker_mode"]))

    def _pair(
        self,
        data: dataset.Dataset,
        count: int,
        pool: list[int],
        pgbench: figures.PgBench | None,
        seconds: float,
        warm: float,
        mode: str,
    ) -> figures.Pair:
        """A CHECKPOINT, a warm-up and a timed transfer run at `count` workers, then pgbench at
        `count` clients (which checkpoints and warms up the same way)."""
        figures.checkpoint()
        if warm:
            figures.transfers(data, count, warm, pool, mode=mode)
        run = figures.transfers(data, count, seconds, pool, mode=mode)
        if run.errors:
            raise CommandError(f"Transfers failed at {count} workers: {run.errors[:3]}")
        return figures.Pair(run, pgbench.run(count, seconds, warm=warm) if pgbench is not None else None)

    def _sweeps(self, report: Report, data: dataset.Dataset) -> None:
        self._say("Sweeps and the plain UPDATE…")
        result = figures.sweeps(data)
        limit = TARGETS["sweep_over_update"]
        update = f"UPDATE of {result.updated_rows:,} rows {result.update_seconds:.2f} s"
        for key, label, seconds, detail in (
            (
                "sweep.deadline",
                f"Deadline sweep ({result.deadline_recomputed:,} past their deadline)",
                result.deadline_seconds,
                {"recomputed": result.deadline_recomputed},
            ),
            (
                "sweep.inactivity",
                f"Inactivity sweep ({result.held:,} held, {result.released:,} released)",
                result.inactivity_seconds,
                {"held": result.held, "released": result.released},
            ),
        ):
            ratio = seconds / result.update_seconds
            report.add(
                Figure(
                    key,
                    label,
                    f"{seconds:.2f} s",
                    update,
                    f"{ratio:.2f}×",
                    f"≤ {limit}× the UPDATE",
                    ratio <= limit,
                    {
                        "seconds": round(seconds, 3),
                        "update_seconds": round(result.update_seconds, 3),
                        "updated_rows": result.updated_rows,
                        **detail,
                    },
                )
            )
        self._say(f"  done ({time.strftime('%H:%M:%S')})")

    def _backlog(self, report: Report, data: dataset.Dataset, size: int) -> None:
        self._say(f"Sweeps over a backlog of up to {size:,} connections…")
        result = figures.backlog(data, size)
        limit = TARGETS["sweep_ms_per_change"]
        for key, label, run in (
            ("sweep.backlog.hold", f"Inactivity sweep, backlog ({result.hold.changed:,} to hold)", result.hold),
            (
                "sweep.backlog.release",
                f"Inactivity sweep, backlog ({result.release.changed:,} to release)",
                result.release,
            ),
            (
                "sweep.backlog.deadline",
                f"Deadline sweep, backlog ({result.deadline.changed:,} past their deadline)",
                result.deadline,
            ),
        ):
            report.add(
                Figure(
                    key,
                    label,
                    f"{run.ms_per_change:.3f} ms per connection",
                    f"{run.seconds:.2f} s, {run.evaluated:,} re-evaluated",
                    "",
                    f"≤ {limit} ms per changed connection",
                    run.ms_per_change <= limit if run.changed else None,
                    run.as_dict(),
                )
            )
            self._say(f"  {label}: {run.ms_per_change:.3f} ms per connection ({run.seconds:.2f} s)")


def transfer_figure(count: int, pairs: list[figures.Pair], *, largest: int, mode: str) -> Figure:
    """The figure of one worker count over its pairs (one each, --pairs at the most workers). The
    ratio is each pair's transfers/s over its pgbench tps; printed and judged is their median,
    with the least and the most beside it, so that neither a lucky nor an unlucky pair decides.
    In the JSON: every pair (`runs`, `ratios`); over them, counts add up, latencies pool, and
    rates and costs per transaction are the pairs' medians."""
    runs = [pair.run for pair in pairs]
    ratios = [pair.ratio for pair in pairs if pair.ratio is not None]
    ratio = spread(ratios)
    per_run = [pair.as_dict() for pair in pairs]
    median = {
        key: _median([run[key] for run in per_run])
        for key in (
            "per_second",
            "cpu_ms_per_transfer",
            "wal_bytes_per_transfer",
            "pgbench_tps",
            "pgbench_cpu_ms_per_transaction",
            "pgbench_wal_bytes_per_transaction",
        )
    }
    target, limit = _transfer_target(count, largest) if ratio else ("", None)
    latency = Latency([value for run in runs for value in run.latencies_ms])
    window = Latency([value for run in runs for value in run.windows_ms])
    tps = median["pgbench_tps"]
    return Figure(
        f"transfers.{count}",
        f"Transfers/s, {count} worker{'s' if count > 1 else ''}",
        f"{median['per_second']:,.0f}/s"
        + _cost_note(median["cpu_ms_per_transfer"], median["wal_bytes_per_transfer"]),
        f"pgbench {tps:,.0f} tps"
        + _cost_note(median["pgbench_cpu_ms_per_transaction"], median["pgbench_wal_bytes_per_transaction"])
        if tps
        else "",
        _ratio_text(ratio, len(ratios)),
        target,
        ratio["median"] >= limit if limit is not None else None,
        {
            "workers": count,
            "mode": mode,
            "pairs": len(pairs),
            "runs": per_run,
            "ratios": [round(value, 3) for value in ratios],
            "ratio_median": round(ratio["median"], 3) if ratio else None,
            "ratio_min": round(ratio["min"], 3) if ratio else None,
            "ratio_max": round(ratio["max"], 3) if ratio else None,
            "transfers": sum(run.transfers for run in runs),
            "seconds": round(sum(run.seconds for run in runs), 2),
            **median,
            "latency": latency.as_dict(),
            # The platform balance is held from lock to commit: one transfer at a time can.
            "lock_window": window.as_dict(),
            "lock_window_ceiling_per_second": round(1000 / window.p50, 1) if window.samples_ms else None,
        },
    )


def _transfer_target(count: int, largest: int) -> tuple[str, float | None]:
    """What the ratio must reach. One worker, which never waits for the platform balance, must
    post as many transfers as pgbench's one client runs transactions; the most workers, queueing
    for the balance on a shared machine, a share of pgbench at as many clients, on the median of
    their pairs. Counts between have no target."""
    if count == 1:
        return "≥ pgbench's 1-client rate", TARGETS["one_worker_over_pgbench"]
    if count == largest:
        limit = TARGETS["transfers_over_pgbench"]
        return f"median ≥ {limit}× pgbench at {count} workers", limit
    return "", None


def _short(params: dict, width: int = 28) -> str:
    text = " ".join(f"{key}={value}" if key != "q" else repr(value) for key, value in params.items())
    return text if len(text) <= width else text[: width - 1] + "…"


def _median(values: list[float | None]) -> float | None:
    found = spread(values)
    return round(found["median"], 3) if found else None


def _ratio_text(ratio: dict | None, runs: int) -> str:
    if ratio is None:
        return ""
    if runs == 1:
        return f"{ratio['median']:.2f}"
    return f"{ratio['median']:.2f} ({runs} runs: {ratio['min']:.2f}–{ratio['max']:.2f})"


def _pair_line(pair: figures.Pair, n: int, of: int) -> str:
    count = pair.run.workers
    line = f"  {count} workers{f' ({n + 1}/{of})' if of > 1 else ''}: {pair.run.per_second:,.0f} transfers/s"
    if pair.pgbench is not None:
        line += f"; pgbench (TPC-B-like, scale 1), {count} clients: {pair.pgbench['tps']:,.0f} tps"
    if pair.ratio is not None:
        line += f"; ratio {pair.ratio:.2f}"
    return line


def _cost_note(cpu_ms: float | None, wal_bytes: float | None) -> str:
    """What one transaction cost the machine, as printed beside its rate."""
    costs = [f"{cpu_ms:.1f} ms CPU"] if cpu_ms else []
    costs += [f"{wal_bytes / 1000:.1f} kB WAL"] if wal_bytes else []
    return f" ({', '.join(costs)} each)" if costs else ""
