from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Capability, Connection
from money import services
from money.errors import (
    AccountNotEligible,
    IdempotencyConflict,
    InsufficientFunds,
    OperationNotPermitted,
    UnsupportedCurrency,
)
from money.ledger import check_ledger
from money.models import Posting, Transfer
from platform_console.models import AuditEvent
from tests.factories import CapabilityFactory, ConnectionFactory, MembershipFactory

from .factories import BankAccountFactory, balance_of, fund_platform, platform_balance, receiving_connection

pytestmark = pytest.mark.django_db


def send(actor, connection, amount=250_00, currency="usd", key="k1", **kwargs):
    return services.create_transfer(
        actor=actor, connection=connection, amount=amount, currency=currency, idempotency_key=key, **kwargs
    )


def test_it_moves_the_amount_from_the_platform_to_the_account(funded, admin, receiver):
    transfer = send(admin, receiver, description="Week 40")
    assert transfer.public_id.startswith("tr_") and transfer.description == "Week 40"
    assert balance_of(receiver) == 250_00
    assert platform_balance(funded) == 10_000_00 - 250_00
    assert check_ledger() == []


def test_it_may_use_the_whole_available_balance(funded, admin, receiver):
    send(admin, receiver, amount=10_000_00)
    assert platform_balance(funded) == 0


def test_it_refuses_more_than_the_available_balance_and_moves_nothing(platform, admin, receiver):
    fund_platform(admin, 1_00)
    with pytest.raises(InsufficientFunds, match=r"available balance is \$1\.00"):
        send(admin, receiver, amount=1_01)
    assert not Transfer.objects.exists() and balance_of(receiver) == 0 and platform_balance(platform) == 1_00


def test_pending_funds_cannot_be_sent(platform, admin, receiver):
    services.add_to_balance(actor=admin, amount=100_00, currency="usd", livemode=True, idempotency_key="t")
    with pytest.raises(InsufficientFunds):
        send(admin, receiver)


def test_test_mode_money_cannot_fund_a_live_transfer(platform, admin, receiver):
    fund_platform(admin, 100_00, livemode=False)
    with pytest.raises(InsufficientFunds):
        send(admin, receiver)


def test_it_refuses_an_account_whose_transfers_capability_is_not_active(funded, admin, receiver):
    Capability.objects.filter(connection=receiver).update(status="inactive")
    with pytest.raises(AccountNotEligible, match="Transfers capability is inactive"):
        send(admin, receiver)
    assert not Transfer.objects.exists()


def test_it_refuses_an_account_without_the_transfers_capability(funded, admin, platform):
    with pytest.raises(AccountNotEligible, match="not requested"):
        send(admin, ConnectionFactory(platform=platform))


@pytest.mark.parametrize(
    "state,message", [("removed", "removed"), ("rejected", "rejected"), ("invited", "finished connecting")]
)
def test_it_refuses_accounts_that_are_not_active(funded, admin, receiver, state, message):
    Connection.objects.filter(pk=receiver.pk).update(lifecycle_state=state)
    receiver.refresh_from_db()
    with pytest.raises(AccountNotEligible, match=message):
        send(admin, receiver)


def test_it_refuses_a_currency_the_console_does_not_support(funded, admin, receiver):
    with pytest.raises(UnsupportedCurrency, match="XYZ"):
        send(admin, receiver, currency="xyz")


def test_it_refuses_a_currency_the_account_does_not_hold(funded, admin, receiver):
    fund_platform(admin, 100_00, "eur")
    with pytest.raises(UnsupportedCurrency, match="holds USD, not EUR"):
        send(admin, receiver, currency="eur")


def test_a_bank_account_in_another_currency_lets_the_account_hold_it(platform, admin, receiver):
    fund_platform(admin, 100_00, "eur")
    BankAccountFactory(account=receiver.account, currency="eur")
    send(admin, receiver, amount=50_00, currency="eur")
    assert balance_of(receiver, "eur") == 50_00


@pytest.mark.parametrize("role", ["developer", "analyst", "support_specialist", "view_only"])
def test_only_administrators_can_send_funds(funded, receiver, role):
    with pytest.raises(OperationNotPermitted):
        send(MembershipFactory(platform=funded, roles=[role]), receiver)
    assert not Transfer.objects.exists()


def test_it_refuses_another_platforms_account(funded, admin, other_platform):
    elsewhere = receiving_connection(other_platform)
    with pytest.raises(OperationNotPermitted):
        send(admin, elsewhere)
    assert balance_of(elsewhere) == 0


def test_it_records_activity_on_the_account(funded, admin, receiver):
    moment = timezone.now() - timedelta(minutes=5)
    send(admin, receiver, now=moment)
    receiver.refresh_from_db()
    assert receiver.last_activity_at == moment


def test_it_writes_an_audit_event_for_the_account(funded, admin, receiver):
    transfer = send(admin, receiver)
    event = AuditEvent.objects.get(action="transfer.created")
    assert event.object_id == transfer.public_id
    assert event.account_public_id == receiver.account.public_id
    assert event.after == {"amount": 250_00, "currency": "usd"}


def test_every_ledger_line_names_its_transfer(funded, admin, receiver):
    transfer = send(admin, receiver)
    assert set(transfer.posting.entries.values_list("source_id", flat=True)) == {transfer.public_id}
    assert transfer.posting.actor == admin and transfer.posting.counterparty == "Acme Bakery"


def test_the_same_key_twice_makes_one_transfer(funded, admin, receiver):
    first = send(admin, receiver)
    assert send(admin, receiver) == first
    assert Transfer.objects.count() == 1 and Posting.objects.filter(kind="transfer").count() == 1
    assert balance_of(receiver) == 250_00


def test_the_same_key_with_another_amount_is_refused(funded, admin, receiver):
    send(admin, receiver)
    with pytest.raises(IdempotencyConflict):
        send(admin, receiver, amount=300_00)
    assert balance_of(receiver) == 250_00


def test_the_same_key_for_another_account_is_refused(funded, admin, receiver, platform):
    send(admin, receiver)
    with pytest.raises(IdempotencyConflict):
        send(admin, receiving_connection(platform))


def test_a_refused_request_leaves_its_key_free(platform, admin, receiver):
    fund_platform(admin, 1_00)
    with pytest.raises(InsufficientFunds):
        send(admin, receiver, amount=5_00)
    fund_platform(admin, 10_00)
    assert send(admin, receiver, amount=5_00).amount == 5_00


def test_a_transfer_analyst_role_needs_no_code(funded, receiver):
    from platform_console.models import Role

    Role.objects.create(slug="transfer_analyst", name="Transfer Analyst", permissions=["money.send_funds"])
    analyst = MembershipFactory(platform=funded, roles=["transfer_analyst"])
    assert send(analyst, receiver).created_by == analyst


def test_capability_rows_of_other_names_do_not_count(funded, admin, platform):
    connection = ConnectionFactory(platform=platform)
    CapabilityFactory(connection=connection, name="card_payments", status="active")
    with pytest.raises(AccountNotEligible):
        send(admin, connection)
