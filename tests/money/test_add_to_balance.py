from datetime import timedelta

import pytest
from django.utils import timezone

from money import services
from money.errors import IdempotencyConflict, InvalidAmount, OperationNotPermitted, UnsupportedCurrency
from money.ledger import check_ledger
from money.models import LedgerAccount, Posting, TopUp
from platform_console.models import AuditEvent

from .factories import platform_balance, system_balance

pytestmark = pytest.mark.django_db


def add(actor, amount=100_00, currency="usd", livemode=False, key="k1", **kwargs):
    return services.add_to_balance(
        actor=actor, amount=amount, currency=currency, livemode=livemode, idempotency_key=key, **kwargs
    )


def test_in_test_mode_the_funds_are_available_at_once(platform, admin):
    topup = add(admin)
    assert topup.status == TopUp.Status.SUCCEEDED and topup.public_id.startswith("tu_")
    assert platform_balance(platform, livemode=False) == 100_00
    assert system_balance(platform, LedgerAccount.Kind.FUNDING_SOURCE, livemode=False) == -100_00


def test_in_live_mode_the_funds_are_pending_until_settled(platform, admin):
    topup = add(admin, livemode=True)
    assert topup.status == TopUp.Status.PENDING
    assert platform_balance(platform) == 0
    assert platform_balance(platform, bucket="pending") == 100_00
    assert services.settle_topup(topup_id=topup.pk) is True
    assert platform_balance(platform) == 100_00 and platform_balance(platform, bucket="pending") == 0
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.SUCCEEDED and topup.settled_at is not None


def test_settling_twice_moves_the_money_once(platform, admin):
    topup = add(admin, livemode=True)
    services.settle_topup(topup_id=topup.pk)
    assert services.settle_topup(topup_id=topup.pk) is False
    assert platform_balance(platform) == 100_00


def test_the_settlement_task_settles_only_what_is_due(platform, admin):
    due = add(admin, livemode=True, key="a")
    later = add(admin, livemode=True, key="b", amount=5_00)
    TopUp.objects.filter(pk=later.pk).update(expected_availability_at=timezone.now() + timedelta(days=9))
    assert services.settle_pending_topups(now=due.expected_availability_at) == 1
    assert platform_balance(platform) == 100_00 and platform_balance(platform, bucket="pending") == 5_00


@pytest.mark.parametrize(
    "suffix,code", [("_noAccount", "no_account"), ("_insufficientFunds", "insufficient_funds")]
)
def test_a_failing_test_bank_token_records_a_failed_top_up_and_moves_nothing(platform, admin, suffix, code):
    topup = add(admin, source_token="btok_us_verified" + suffix)
    assert topup.status == TopUp.Status.FAILED and topup.failure_code == code
    assert platform_balance(platform, livemode=False) == 0 and not Posting.objects.exists()


@pytest.mark.parametrize("role", ["developer", "analyst", "support_specialist", "view_only"])
def test_only_administrators_can_add_to_balance(platform, role):
    from tests.factories import MembershipFactory

    with pytest.raises(OperationNotPermitted):
        add(MembershipFactory(platform=platform, roles=[role]))
    assert not TopUp.objects.exists()


def test_it_refuses_an_unsupported_currency(admin):
    with pytest.raises(UnsupportedCurrency):
        add(admin, currency="xyz")


@pytest.mark.parametrize("amount", [0, -5, 10**15, 1.5, "100"])
def test_it_refuses_amounts_that_are_not_positive_minor_units(admin, amount):
    with pytest.raises(InvalidAmount):
        add(admin, amount=amount)


def test_the_same_key_twice_returns_the_first_top_up(platform, admin):
    first = add(admin)
    assert add(admin) == first
    assert TopUp.objects.count() == 1 and platform_balance(platform, livemode=False) == 100_00


def test_the_same_key_with_another_amount_is_refused(platform, admin):
    add(admin)
    with pytest.raises(IdempotencyConflict):
        add(admin, amount=200_00)
    assert platform_balance(platform, livemode=False) == 100_00


def test_keys_belong_to_one_platform(platform, admin, other_admin):
    add(admin)
    assert add(other_admin).platform == other_admin.platform


def test_it_writes_an_audit_event(admin):
    topup = add(admin)
    event = AuditEvent.objects.get(action="topup.created")
    assert event.object_id == topup.public_id and event.actor == admin and event.livemode is False
    assert check_ledger() == []
