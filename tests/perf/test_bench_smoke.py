"""The benchmark of issue 9, end to end on 1 000 accounts, so that it cannot rot: `make bench`
itself (a million accounts, minutes) is not part of the suite."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from platform_console.bench import figures

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FIGURES = {
    "list.first_page",
    "list.deep_page",
    "search.name",
    "search.email",
    "search.id",
    "search.metadata",
    "details",
    "admin.changelist",
    "transfers.1",
    "transfers.2",
    "sweep.deadline",
    "sweep.inactivity",
    "sweep.backlog.hold",
    "sweep.backlog.release",
    "sweep.backlog.deadline",
}


def test_the_bench_loads_a_thousand_accounts_and_reports_every_figure(tmp_path):
    results = tmp_path / "bench.json"
    out = io.StringIO()
    call_command(
        "bench",
        accounts=1000,
        requests=3,
        seconds=0.5,
        workers="1,2",
        json_path=str(results),
        skip_pgbench=figures.pgbench_available() is None,
        pgbench_db="console_pgbench_smoke",
        backlog=300,
        stdout=out,
    )

    report = json.loads(results.read_text())
    by_key = {figure["key"]: figure for figure in report["figures"]}
    assert FIGURES <= by_key.keys()
    assert report["accounts"] == 1000
    assert by_key["list.first_page"]["data"]["n"] == 3
    transfers = by_key["transfers.2"]["data"]
    assert transfers["transfers"] > 0
    # Every transfer's hold on the platform balance was timed (on PostgreSQL inside the one call).
    assert transfers["lock_window"]["n"] == transfers["transfers"]
    if figures.pgbench_available():
        assert transfers["pgbench_tps"] > 0
    # The details page reads in a fixed number of queries: 5 persons cost what 1 does.
    details = by_key["details"]["data"]
    assert details["queries"] == details["queries_plain_account"] > 0
    assert "Connected accounts, first page" in out.getvalue()
    # The backlog run holds, then releases, as many connections as it set up, audited once each.
    hold, release = by_key["sweep.backlog.hold"]["data"], by_key["sweep.backlog.release"]["data"]
    assert hold["changed"] >= release["changed"] > 0 and hold["ms_per_change"] > 0
    assert by_key["sweep.backlog.deadline"]["data"]["changed"] > 0


def test_the_bench_refuses_a_database_with_other_platforms(platform):
    with pytest.raises(CommandError, match="database of its own"):
        call_command("bench", accounts=100, stdout=io.StringIO())


def test_reusing_needs_a_loaded_data_set():
    with pytest.raises(CommandError, match="run without --reuse"):
        call_command("bench", accounts=100, reuse=True, stdout=io.StringIO())
