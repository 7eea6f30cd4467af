"""Payouts on schedule (domain.md §7.9): the task pays out available funds that have been in the
balance for the delay days, on the days the interval and anchor say, once per day."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import Connection
from money import services, tasks
from money.ledger import check_ledger
from money.models import Payout

from .factories import BankAccountFactory, balance_of

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def scheduled(funded, admin, liable):
    """Bright Express with a default bank account and $300.00 that arrived on Monday."""
    BankAccountFactory(account=liable.account)
    services.create_transfer(
        actor=admin, connection=liable, amount=300_00, currency="usd", idempotency_key="t1", now=MONDAY
    )
    return liable


def schedule(connection, **fields):
    Connection.objects.filter(pk=connection.pk).update(**fields)


def test_a_daily_schedule_pays_out_funds_older_than_the_delay(scheduled):
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=2, hours=1)) == 1
    payout = Payout.objects.get()
    assert payout.automatic and payout.amount == 300_00 and payout.status == "pending"
    assert payout.destination.default_for_currency and payout.scheduled_for == date(2026, 11, 25)
    assert balance_of(scheduled) == 0
    assert check_ledger() == []


def test_funds_within_the_delay_stay_in_the_balance(scheduled):
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=1)) == 0
    assert balance_of(scheduled) == 300_00


def test_newer_funds_wait_while_older_funds_are_paid(scheduled, admin):
    services.create_transfer(
        actor=admin,
        connection=scheduled,
        amount=50_00,
        currency="usd",
        idempotency_key="t2",
        now=MONDAY + timedelta(days=2),
    )
    services.run_scheduled_payouts(now=MONDAY + timedelta(days=2, hours=1))
    assert Payout.objects.get().amount == 300_00 and balance_of(scheduled) == 50_00


def test_a_longer_delay_holds_funds_longer(scheduled):
    schedule(scheduled, payout_delay_days=7)
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=5)) == 0
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=7, hours=1)) == 1


def test_the_delay_never_goes_below_the_minimum(scheduled, settings):
    schedule(scheduled, payout_delay_days=1)
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=1, hours=1)) == 0


def test_running_twice_on_one_day_pays_once(scheduled, admin):
    moment = MONDAY + timedelta(days=3)
    assert services.run_scheduled_payouts(now=moment) == 1
    services.create_transfer(
        actor=admin, connection=scheduled, amount=10_00, currency="usd", idempotency_key="t3", now=MONDAY
    )
    assert services.run_scheduled_payouts(now=moment + timedelta(hours=5)) == 0
    assert Payout.objects.count() == 1


def test_the_next_day_pays_again(scheduled, admin):
    services.run_scheduled_payouts(now=MONDAY + timedelta(days=3))
    services.create_transfer(
        actor=admin,
        connection=scheduled,
        amount=10_00,
        currency="usd",
        idempotency_key="t3",
        now=MONDAY + timedelta(days=3, hours=1),
    )
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=6)) == 1
    assert Payout.objects.count() == 2


def test_a_manual_schedule_never_pays_out_automatically(scheduled):
    schedule(scheduled, payout_interval="manual")
    for day in range(40):
        services.run_scheduled_payouts(now=MONDAY + timedelta(days=day))
    assert not Payout.objects.exists() and balance_of(scheduled) == 300_00


def test_a_weekly_schedule_pays_on_its_anchor_day(scheduled):
    schedule(scheduled, payout_interval="weekly", payout_weekly_anchor="friday")
    thursday, friday = MONDAY + timedelta(days=3), MONDAY + timedelta(days=4)
    assert services.run_scheduled_payouts(now=thursday) == 0
    assert services.run_scheduled_payouts(now=friday) == 1


def test_a_weekly_schedule_without_an_anchor_pays_on_monday(scheduled):
    schedule(scheduled, payout_interval="weekly", payout_weekly_anchor="")
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=6)) == 0
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=7)) == 1


def test_a_monthly_schedule_pays_on_its_anchor_day(scheduled):
    schedule(scheduled, payout_interval="monthly", payout_monthly_anchor=15)
    assert services.run_scheduled_payouts(now=datetime(2026, 12, 14, 9, tzinfo=UTC)) == 0
    assert services.run_scheduled_payouts(now=datetime(2026, 12, 15, 9, tzinfo=UTC)) == 1


@pytest.mark.parametrize(
    "anchor,day,pays",
    [
        (31, date(2027, 2, 28), True),
        (31, date(2027, 2, 27), False),
        (30, date(2026, 11, 30), True),
        (31, date(2026, 12, 30), False),
        (31, date(2026, 12, 31), True),
        (29, date(2028, 2, 29), True),
    ],
)
def test_monthly_anchors_past_the_month_end_fall_back_to_its_last_day(liable, anchor, day, pays):
    liable.payout_interval, liable.payout_monthly_anchor = "monthly", anchor
    assert services.is_payout_day(liable, day) is pays


def test_paused_payouts_are_skipped(scheduled):
    schedule(scheduled, payouts_paused=True)
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=3)) == 0


def test_an_account_without_a_default_bank_account_is_skipped(scheduled):
    scheduled.account.external_accounts.update(default_for_currency=False)
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=3)) == 0


def test_an_errored_bank_account_stops_scheduled_payouts(scheduled):
    scheduled.account.external_accounts.update(status="errored")
    assert services.run_scheduled_payouts(now=MONDAY + timedelta(days=3)) == 0


def test_scheduled_payouts_are_audited_as_the_system(scheduled):
    from platform_console.models import AuditEvent

    services.run_scheduled_payouts(now=MONDAY + timedelta(days=3))
    event = AuditEvent.objects.get(action="payout.created")
    assert event.actor is None and event.actor_label == "system" and event.after["automatic"] is True


def test_the_celery_task_runs_the_schedule(scheduled, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: MONDAY + timedelta(days=3))
    # apply() runs the task in this process whatever the broker (Redis on CI, eager locally).
    assert tasks.run_scheduled_payouts.apply().get(timeout=10) == 1
    assert tasks.run_scheduled_payouts.apply().get(timeout=10) == 0
