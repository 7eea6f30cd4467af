"""The parts of the benchmark that need no PostgreSQL: its refusal of SQLite and its report."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db_connection

from platform_console.bench.report import Figure, Latency, Report, percentile


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
