"""CSV exports of transfers (with the list's filters) and of the platform's balance activity, each
within a date range (issue 20): streamed, formula-safe, audited, for roles that may both export
and see balances; more than 10 000 rows are refused with the way to narrow them."""

import csv
import io
import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from money import exports, services
from platform_console.models import AuditEvent

from .factories import receiving_connection

pytestmark = pytest.mark.django_db
TRANSFERS = reverse("money:transfers_export")
ACTIVITY = reverse("money:activity_export")


@pytest.fixture
def sent(funded, admin, receiver, liable):
    """Three transfers: two to Acme Bakery (one of them 40 days ago), one to Bright Express."""
    made = []
    for n, (connection, amount, description, days_ago) in enumerate(
        [(receiver, 12_50, "=HYPERLINK(\"http://evil\")", 0), (liable, 30_00, "weekly", 0), (receiver, 7_00, "old", 40)]
    ):
        made.append(services.create_transfer(actor=admin, connection=connection, amount=amount, currency="usd",
                                             idempotency_key=f"export-{n}", description=description,
                                             now=timezone.now() - timedelta(days=days_ago)))
    return made


def rows(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_transfers_export_with_the_lists_filters_and_the_days_chosen(operator_client, analyst, sent):
    client = operator_client(analyst)
    everything = rows(client.get(TRANSFERS))
    assert [r["id"] for r in everything] == [t.public_id for t in reversed(sent[:2])] + [sent[2].public_id]
    assert list(everything[0]) == exports.TRANSFER_HEADER
    acme = rows(client.get(TRANSFERS, {"q": "acme"}))
    assert {r["account_name"] for r in acme} == {"Acme Bakery"} and len(acme) == 2
    recent = rows(client.get(TRANSFERS, {"q": "acme", "from": (timezone.localdate() - timedelta(days=7)).isoformat()}))
    assert [(r["amount"], r["currency"], r["sent_to"]) for r in recent] == [("12.50", "USD", "balance")]
    assert recent[0]["description"] == "'=HYPERLINK(\"http://evil\")"  # a spreadsheet won't run it
    event = AuditEvent.objects.filter(action="transfers.exported").latest("created_at")
    assert event.actor == analyst and event.after["filters"]["q"] == "acme" and "from" in event.after["filters"]


def test_balance_activity_export_within_the_days_chosen(operator_client, analyst, sent):
    client = operator_client(analyst)
    lines = rows(client.get(ACTIVITY))
    assert list(lines[0]) == exports.ACTIVITY_HEADER
    kinds = [r["type"] for r in lines]
    assert kinds.count("Transfer") == 3 and "Top-up" in kinds
    from money.models import Entry

    old = Entry.objects.filter(source_id=sent[2].public_id, ledger_account__kind="platform")
    assert old.exists() and old.first().created_at < timezone.now() - timedelta(days=39)
    today = timezone.localdate().isoformat()
    recent = rows(client.get(ACTIVITY, {"from": today, "to": today}))
    assert recent and len(recent) == len(lines) - old.count()  # the 40-day-old transfer's lines left out
    assert sent[2].public_id not in {r["source"] for r in recent}
    assert AuditEvent.objects.filter(action="balance-activity.exported").count() == 2


def test_amounts_stay_numbers_and_impossible_days_are_refused(operator_client, analyst, sent):
    client = operator_client(analyst)
    debits = [r["amount"] for r in rows(client.get(ACTIVITY)) if r["amount"].startswith(("-", "'-"))]
    assert debits and all(amount.startswith("-") for amount in debits)  # not '-12.50: sums work
    for bad in ("9999-12-31", "2026-02-30", "yesterday"):
        response = client.get(ACTIVITY, {"to": bad})
        assert response.status_code == 302, bad
        assert "must be real days" in client.get(response["Location"]).content.decode()


def test_a_long_export_reads_the_days_in_the_operators_time_zone(operator_client, analyst, sent, monkeypatch,
                                                                 django_capture_on_commit_callbacks, settings,
                                                                 tmp_path):
    """The streamed download and the job (in a worker, in the default zone) read the same days."""
    from platform_console import exports as platform_exports
    from platform_console.models import ExportJob

    settings.MEDIA_ROOT = tmp_path
    analyst.user.time_zone = "Pacific/Pago_Pago"  # UTC-11: its "today" began hours before UTC's
    analyst.user.save()
    client = operator_client(analyst)
    today = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo("Pacific/Pago_Pago")).date().isoformat()
    streamed = rows(client.get(ACTIVITY, {"from": today, "to": today}))
    monkeypatch.setattr(platform_exports, "STREAM_LIMIT", 1)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(ACTIVITY, {"from": today, "to": today})
    job = ExportJob.objects.get()
    with job.file.open("rb") as written:
        assert len(list(csv.DictReader(io.StringIO(written.read().decode())))) == len(streamed) == job.total


def test_days_in_the_wrong_order_are_refused_with_the_way_forward(operator_client, analyst, sent):
    client = operator_client(analyst)
    response = client.get(TRANSFERS, {"from": "2026-12-05", "to": "2026-12-01"})
    assert response.status_code == 302 and "first day is after its last day" in client.get(response["Location"]).content.decode()
    assert not AuditEvent.objects.filter(action__endswith=".exported").exists()


def test_a_long_activity_export_is_written_by_a_job(operator_client, analyst, viewer, sent, monkeypatch,
                                                     django_capture_on_commit_callbacks, settings, tmp_path):
    from platform_console import exports as platform_exports
    from platform_console.models import ExportJob

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(platform_exports, "STREAM_LIMIT", 2)
    client = operator_client(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(ACTIVITY)
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("export_detail", args=[job.public_id]) and job.kind == "balance-activity"
    with job.file.open("rb") as written:
        lines = list(csv.DictReader(io.StringIO(written.read().decode())))
    assert len(lines) == job.total == job.written and [r["type"] for r in lines].count("Transfer") == 3
    # The file is its operator's: nobody else reads it, whatever their role.
    assert operator_client(viewer).get(reverse("export_download", args=[job.public_id])).status_code == 404


def test_only_roles_that_export_and_see_balances_may(operator_client, support, viewer, admin, sent):
    assert operator_client(support).get(TRANSFERS).status_code == 403  # exports accounts, sees no balances
    assert operator_client(viewer).get(ACTIVITY).status_code == 403  # sees balances, exports nothing
    html = operator_client(admin).get(reverse("money:transfers")).content.decode()
    assert 'data-testid="export-menu"' in html and 'action="/balances/transfers.csv"' in html
    assert 'data-testid="export-menu"' not in operator_client(viewer).get(reverse("money:transfers")).content.decode()


def test_a_test_mode_export_holds_only_test_mode_transfers(operator_client, analyst, admin, sent, platform):
    from .factories import fund_platform

    fund_platform(admin, 100_00, livemode=False)
    test_account = receiving_connection(platform, livemode=False, account__name="Sandbox Shop")
    services.create_transfer(actor=admin, connection=test_account, amount=1_00, currency="usd", idempotency_key="t")
    client = operator_client(analyst)
    session = client.session
    session["console_livemode"] = False
    session.save()
    assert [r["account_name"] for r in rows(client.get(TRANSFERS))] == ["Sandbox Shop"]
