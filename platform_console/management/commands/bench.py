"""`python manage.py bench`: load N connected accounts into a PostgreSQL database of its own and
measure the console at that size, beside Django's admin and pgbench (issue 9). `make bench`
runs it against postgres://postgres@127.0.0.1:5432/console_bench unless DATABASE_URL says
otherwise. The figures and what they mean are in platform_console/bench/ and the README's
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

from platform_console.bench import dataset, figures
from platform_console.bench.report import Figure, Latency, Report

TARGETS = {
    "list_p95_ms": 50,
    "search_p95_ms": 100,
    "details_p95_ms": 60,
    "admin_over_list": 5,
    "transfers_over_pgbench": 0.5,
    "sweep_over_update": 2,
    "sweep_ms_per_change": 0.5,
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
        parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")

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
            self._pages(report, data, options["requests"])
            self._transfers(report, data, workers, options)
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

    def _pages(self, report: Report, data: dataset.Dataset, rounds: int) -> None:
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

    def _transfers(self, report: Report, data: dataset.Dataset, workers: list[int], options) -> None:
        seconds = options["seconds"]
        self._say(f"Transfers for {seconds:g} s at {workers} workers…")
        pool = figures.transfer_pool(data, max(workers) * 40)
        if len(pool) < max(workers):
            raise CommandError("Too few accounts can receive transfers: load more accounts.")
        figures.fund_platform(
            data, amount_per_transfer=99, transfers=int(5000 * seconds * (len(workers) + 1))
        )
        # Each worker count beside pgbench at the same client count, one after the other, each run
        # after a CHECKPOINT and a warm-up at the same concurrency: the two share the machine's
        # conditions of the moment, and neither pays alone for the full-page images that follow
        # a checkpoint (or for first uses: a target's ledger account is created on its first
        # transfer).
        warm = 2.0 if seconds >= 2 else 0
        runs, ceiling = {}, {}
        with contextlib.ExitStack() as stack:
            pgbench = None
            if not options["skip_pgbench"]:
                pgbench = stack.enter_context(figures.PgBench(options["pgbench_db"]))
            for count in workers:
                figures.checkpoint()
                if warm:
                    figures.transfers(data, count, warm, pool, mode=options["worker_mode"])
                run = figures.transfers(data, count, seconds, pool, mode=options["worker_mode"])
                if run.errors:
                    raise CommandError(f"Transfers failed at {count} workers: {run.errors[:3]}")
                runs[count] = run
                line = f"  {count} workers: {run.per_second:,.0f} transfers/s"
                if pgbench is not None:
                    ceiling[count] = pgbench.run(count, seconds, warm=warm)
                    line += f"; pgbench (TPC-B-like, scale 1), {count} clients: {ceiling[count]['tps']:,.0f} tps"
                self._say(line)
        for count, run in runs.items():
            latency = Latency(run.latencies_ms)
            window = Latency(run.windows_ms)
            tps = ceiling[count]["tps"] if count in ceiling else None
            ratio = run.per_second / tps if tps else None
            gated = count == max(workers) and tps is not None
            report.add(
                Figure(
                    f"transfers.{count}",
                    f"Transfers/s, {count} worker{'s' if count > 1 else ''}",
                    f"{run.per_second:,.0f}/s" + _cpu_note(run.cpu_ms_per_transfer),
                    f"pgbench {tps:,.0f} tps" + _cpu_note(ceiling[count]["cpu_ms_per_transaction"])
                    if tps
                    else "",
                    f"{ratio:.2f}" if ratio is not None else "",
                    f"≥ {TARGETS['transfers_over_pgbench']} × pgbench" if gated else "",
                    ratio >= TARGETS["transfers_over_pgbench"] if gated else None,
                    {
                        "transfers": run.transfers,
                        "seconds": round(run.seconds, 2),
                        "per_second": round(run.per_second, 1),
                        "pgbench_tps": tps,
                        "latency": latency.as_dict(),
                        "mode": options["worker_mode"],
                        # The platform balance is held from lock to commit: one transfer at a time can.
                        "lock_window": window.as_dict(),
                        "lock_window_ceiling_per_second": round(1000 / window.p50, 1)
                        if run.windows_ms
                        else None,
                        "cpu_ms_per_transfer": run.cpu_ms_per_transfer,
                        "pgbench_cpu_ms_per_transaction": ceiling.get(count, {}).get(
                            "cpu_ms_per_transaction"
                        ),
                    },
                )
            )

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


def _cpu_note(cpu_ms: float | None) -> str:
    return f" ({cpu_ms:.1f} ms CPU each)" if cpu_ms else ""
