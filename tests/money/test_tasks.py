from datetime import timedelta

import pytest
from django.utils import timezone

from money import services, tasks
from money.models import LedgerAccount, Payout, TopUp

from .factories import BankAccountFactory, behind_the_ledgers_back, platform_balance

pytestmark = pytest.mark.django_db


def test_the_settlement_task_makes_due_top_ups_available(platform, admin, monkeypatch):
    topup = services.add_to_balance(
        actor=admin, amount=50_00, currency="usd", livemode=True, idempotency_key="k"
    )
    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: topup.expected_availability_at + timedelta(seconds=1)
    )
    assert tasks.settle_pending_topups.apply().get(timeout=10) == 1
    assert tasks.settle_topup.apply(args=[topup.pk]).get(timeout=10) is False
    assert platform_balance(platform) == 50_00 and TopUp.objects.get().status == "succeeded"


def test_the_payouts_task_sends_and_pays(funded, admin, liable):
    transfer = services.create_transfer(
        actor=admin,
        connection=liable,
        amount=10_00,
        currency="usd",
        idempotency_key="k",
        send_to=BankAccountFactory(account=liable.account),
    )
    assert tasks.process_payouts.apply().get(timeout=10) == {"settled": 0, "sent": 1}
    Payout.objects.filter(pk=transfer.payout.pk).update(arrival_date=timezone.now().date())
    assert tasks.settle_payout.apply(args=[transfer.payout.pk]).get(timeout=10) == "paid"


def test_the_ledger_check_task_counts_problems(platform, admin, caplog):
    services.add_to_balance(actor=admin, amount=50_00, currency="usd", livemode=False, idempotency_key="k")
    assert tasks.check_ledger.apply().get(timeout=10) == 0
    with behind_the_ledgers_back():
        LedgerAccount.objects.filter(kind="platform").update(balance=1)
    assert tasks.check_ledger.apply().get(timeout=10) == 2
    assert "ledger check" in caplog.text


def test_every_periodic_task_is_scheduled(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "money.tasks.settle_pending_topups",
        "money.tasks.process_payouts",
        "money.tasks.run_scheduled_payouts",
        "money.tasks.check_ledger",
        "money.tasks.prune_idempotency_keys",
    } <= scheduled
    for name in scheduled & {n for n in scheduled if n.startswith("money.")}:
        assert getattr(tasks, name.rsplit(".", 1)[1]).name == name
