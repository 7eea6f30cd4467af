"""The parts of the benchmark that need no PostgreSQL: its refusal of SQLite and its report."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db_connection

from tests.perf.bench.figures import Pair, TransferRun
from tests.perf.bench.management.commands.bench import transfer_figure
from tests.perf.bench.report import Figure, Latency, Report, percentile, spread


def test_the_bench_refuses_sqlite(monkeypatch):
    monkeypatch.setattr(db_connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="refuses SQLite"):
        call_command("bench", stdout=io.StringIO())


def test_percentiles_interpolate_between_ranks():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) == pytest.approx(50.5)
    assert percentile(samples, 95) == pytest.approx(95.05)
    assert percentile([7.0], 99) == 7.0


def test_the_report_prints_one_row_per_figure_and_writes_json(tmp_path):
    report = Report(accounts=10, machine={"nproc": 2}, dataset={})
    latency = Latency([10.0, 20.0, 30.0])
    report.add(
        Figure(
            "list.first_page",
            "Connected accounts, first page",
            latency.text(),
            "admin 90 ms",
            "4.5× faster",
            "p95 < 50 ms",
            True,
            latency.as_dict(),
        )
    )
    report.add(Figure("sweep.deadline", "Deadline sweep", "3.00 s", "UPDATE 1.00 s", "3.00×", "≤ 2×", False))

    lines = report.table().splitlines()
    assert len(lines) == 4 and "20.0 / 29.0 / 29.8 ms" in lines[2] and lines[3].endswith("≤ 2× ✗")
    assert report.table(markdown=True).startswith("| figure |")
    path = tmp_path / "results.json"
    report.write_json(str(path))
    written = json.loads(path.read_text())
    assert written["targets_met"] is False
    assert written["figures"][0]["data"]["p95_ms"] == 29.0


def test_spread_gives_the_median_and_the_range_of_repeated_runs():
    assert spread([0.55, 0.42, 0.62, 0.50, 0.58]) == {"median": 0.55, "min": 0.42, "max": 0.62}
    assert spread([0.4, 0.6, None, 0.5, 0.7]) == {"median": 0.55, "min": 0.4, "max": 0.7}
    assert spread([None]) is None


def _pair(workers: int, per_second: float, tps: float | None) -> Pair:
    """A pair of `per_second` transfers/s for 10 s (CPU 1.5 ms and 4 100 bytes of WAL each) and
    pgbench at `tps` (0.5 ms and 500 bytes each)."""
    transfers = round(per_second * 10)
    run = TransferRun(
        workers=workers,
        transfers=transfers,
        seconds=10.0,
        latencies_ms=[2.0, 3.0],
        errors=[],
        windows_ms=[0.5, 0.6],
        cpu_ms_per_transfer=1.5,
        wal_bytes=4100 * transfers,
    )
    if tps is None:
        return Pair(run)
    transactions = round(tps * 10)
    pgbench = {
        "tps": tps,
        "transactions": transactions,
        "cpu_ms_per_transaction": 0.5,
        "wal_bytes": 500 * transactions,
        "wal_bytes_per_transaction": 500.0,
    }
    return Pair(run, pgbench)


def test_the_most_workers_are_judged_on_the_median_of_their_pairs():
    # Ratios 0.50, 0.65, 0.61, 0.40, 0.70: one pair at 0.40, but the median pair makes 0.6.
    pairs = [_pair(8, rate, 1000.0) for rate in (500, 650, 610, 400, 700)]
    figure = transfer_figure(8, pairs, largest=8, mode="process")

    assert figure.ratio == "0.61 (5 runs: 0.40–0.70)"
    assert figure.target == "median ≥ 0.6× pgbench at 8 workers" and figure.met is True
    assert figure.value == "610/s (1.5 ms CPU, 4.1 kB WAL each)"
    assert figure.baseline == "pgbench 1,000 tps (0.5 ms CPU, 0.5 kB WAL each)"
    data = figure.data
    assert data["pairs"] == len(data["runs"]) == 5
    assert data["ratios"] == [0.5, 0.65, 0.61, 0.4, 0.7]
    assert (data["ratio_median"], data["ratio_min"], data["ratio_max"]) == (0.61, 0.4, 0.7)
    assert [run["ratio"] for run in data["runs"]] == data["ratios"]
    assert data["runs"][3]["per_second"] == 400 and data["runs"][3]["pgbench_tps"] == 1000.0
    assert data["runs"][0]["wal_bytes_per_transfer"] == 4100.0
    assert data["runs"][0]["pgbench_wal_bytes_per_transaction"] == 500.0
    assert data["runs"][0]["cpu_ms_per_transfer"] == 1.5
    assert data["wal_bytes_per_transfer"] == 4100.0
    assert data["pgbench_wal_bytes_per_transaction"] == 500.0
    assert data["transfers"] == 28_600 and data["per_second"] == 610
    assert data["latency"]["n"] == data["lock_window"]["n"] == 10

    # The same best pair does not carry a median below the target.
    pairs = [_pair(8, rate, 1000.0) for rate in (500, 650, 550, 400, 700)]
    missed = transfer_figure(8, pairs, largest=8, mode="process")
    assert missed.data["ratio_median"] == 0.55 and missed.met is False
    assert missed.ratio == "0.55 (5 runs: 0.40–0.70)"


def test_one_worker_must_keep_up_with_one_pgbench_client():
    slower = transfer_figure(1, [_pair(1, 1450, 1500.0)], largest=8, mode="process")
    assert slower.target == "≥ pgbench's 1-client rate" and slower.met is False
    assert slower.ratio == "0.97" and slower.data["ratios"] == [0.967]
    assert transfer_figure(1, [_pair(1, 1550, 1500.0)], largest=8, mode="process").met is True
    # Between the two: reported, not judged; without pgbench there is nothing to judge by.
    assert transfer_figure(4, [_pair(4, 1900, 3700.0)], largest=8, mode="process").met is None
    alone = transfer_figure(8, [_pair(8, 1700, None)], largest=8, mode="process")
    assert alone.met is None and alone.ratio == alone.target == alone.baseline == ""
    assert alone.data["ratio_median"] is None and alone.data["runs"][0]["pgbench_tps"] is None
