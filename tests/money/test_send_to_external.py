"""Send funds straight to an account's bank account or debit card: a transfer and a payout in
one operation (domain.md §7.10), for platform-liable accounts only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ExternalAccount
from money import services
from money.errors import AccountNotEligible, DestinationNotEligible, OperationNotPermitted
from money.ledger import check_ledger
from money.models import LedgerAccount, Payout, Transfer
from platform_console.models import AuditEvent, Role
from tests.factories import MembershipFactory

from .factories import (
    BankAccountFactory,
    CardFactory,
    balance_of,
    fund_platform,
    platform_balance,
    receiving_connection,
    system_balance,
)

pytestmark = pytest.mark.django_db
TRANSIT, PAID_OUT = LedgerAccount.Kind.PAYOUTS_IN_TRANSIT, LedgerAccount.Kind.PAID_OUT


def send(actor, connection, destination, amount=300_00, key="k1", **kwargs):
    return services.create_transfer(
        actor=actor,
        connection=connection,
        amount=amount,
        currency="usd",
        idempotency_key=key,
        send_to=destination,
        **kwargs,
    )


@pytest.fixture
def test_liable(platform, admin):
    """A test-mode Express account (magic numbers apply in test mode), with the platform funded."""
    fund_platform(admin, 10_000_00, livemode=False)
    return receiving_connection(platform, express=True, livemode=False, account__name="Bright Express")


def test_a_bank_payout_is_pending_until_the_task_pays_it(funded, admin, liable):
    bank = BankAccountFactory(account=liable.account)
    transfer = send(admin, liable, bank)
    payout = transfer.payout
    assert payout.public_id.startswith("po_") and payout.method == "standard" and payout.status == "pending"
    assert balance_of(liable) == 0 and system_balance(funded, TRANSIT) == 300_00
    assert transfer.posting == payout.posting  # one posting for the whole operation

    later = timezone.now() + timedelta(days=3)
    assert services.process_payouts(now=later) == {"settled": 0, "sent": 1}
    payout.refresh_from_db()
    assert payout.status == "in_transit"
    assert services.process_payouts(now=later) == {"settled": 1, "sent": 0}
    payout.refresh_from_db()
    assert payout.status == "paid"
    assert system_balance(funded, TRANSIT) == 0 and system_balance(funded, PAID_OUT) == 300_00
    assert check_ledger() == []


def test_the_payouts_task_waits_for_the_arrival_date(funded, admin, liable):
    payout = send(admin, liable, BankAccountFactory(account=liable.account)).payout
    services.process_payouts()
    assert services.process_payouts() == {"settled": 0, "sent": 0}
    payout.refresh_from_db()
    assert payout.status == "in_transit"


@pytest.mark.parametrize(
    "number,code",
    [
        ("000111111116", "no_account"),
        ("000111111113", "account_closed"),
        ("000222222227", "insufficient_funds"),
    ],
)
def test_a_failing_test_bank_account_credits_the_balance_back(platform, admin, test_liable, number, code):
    bank = BankAccountFactory(account=test_liable.account, number=number)
    payout = send(admin, test_liable, bank).payout
    later = timezone.now() + timedelta(days=3)
    services.process_payouts(now=later)
    services.process_payouts(now=later)
    payout.refresh_from_db()
    assert payout.status == "failed" and payout.failure_code == code and payout.failure_message
    assert balance_of(test_liable) == 300_00
    assert system_balance(platform, TRANSIT, livemode=False) == 0
    bank.refresh_from_db()
    assert bank.status == ExternalAccount.Status.ERRORED
    assert AuditEvent.objects.filter(action="payout.failed", object_id=payout.public_id).exists()
    assert check_ledger() == []


def test_magic_numbers_do_nothing_in_live_mode(funded, admin, liable):
    payout = send(admin, liable, BankAccountFactory(account=liable.account, number="000111111116")).payout
    later = timezone.now() + timedelta(days=3)
    services.process_payouts(now=later), services.process_payouts(now=later)
    payout.refresh_from_db()
    assert payout.status == "paid"


def test_a_card_payout_is_instant(funded, admin, liable):
    payout = send(admin, liable, CardFactory(account=liable.account)).payout
    assert payout.method == "instant" and payout.status == "paid"
    assert balance_of(liable) == 0 and system_balance(funded, PAID_OUT) == 300_00


def test_a_failing_card_leaves_the_funds_in_the_balance(platform, admin, test_liable):
    transfer = send(admin, test_liable, CardFactory(account=test_liable.account, number="4000056655665572"))
    assert transfer.payout.status == "failed" and transfer.payout.failure_code == "could_not_process"
    assert balance_of(test_liable) == 300_00
    assert check_ledger() == []


def test_a_card_that_is_not_eligible_for_instant_is_refused(platform, admin, test_liable):
    card = CardFactory(account=test_liable.account, number="4000056755665555")
    with pytest.raises(DestinationNotEligible, match="instant"):
        send(admin, test_liable, card)
    assert not Transfer.objects.exists()


def test_magic_numbers_are_recognised_by_last4_without_a_fingerprint(platform, admin, test_liable):
    card = CardFactory(account=test_liable.account, number="4000056655665572", fingerprint="")
    assert send(admin, test_liable, card).payout.failure_code == "could_not_process"


def test_only_platform_liable_accounts_can_be_paid_out(funded, admin, receiver):
    with pytest.raises(AccountNotEligible, match="platform is liable"):
        send(admin, receiver, BankAccountFactory(account=receiver.account))
    assert not Transfer.objects.exists() and platform_balance(funded) == 10_000_00


def test_the_destination_must_belong_to_the_account(funded, admin, liable, platform):
    other = receiving_connection(platform, express=True)
    with pytest.raises(DestinationNotEligible, match="of this account"):
        send(admin, liable, BankAccountFactory(account=other.account))


def test_the_destination_must_take_the_currency(funded, admin, liable):
    with pytest.raises(DestinationNotEligible, match="receives EUR"):
        send(admin, liable, BankAccountFactory(account=liable.account, currency="eur"))


def test_an_errored_bank_account_is_refused(funded, admin, liable):
    with pytest.raises(DestinationNotEligible, match="errored"):
        send(admin, liable, BankAccountFactory(account=liable.account, status="errored"))


def test_paused_payouts_are_refused(funded, admin, liable):
    liable.payouts_paused = True
    liable.save()
    with pytest.raises(AccountNotEligible, match="paused"):
        send(admin, liable, BankAccountFactory(account=liable.account))


def test_sending_to_a_bank_account_needs_its_own_permission(funded, liable):
    Role.objects.create(slug="transfer_analyst", name="Transfer Analyst", permissions=["money.send_funds"])
    member = MembershipFactory(platform=funded, roles=["transfer_analyst"])
    with pytest.raises(OperationNotPermitted, match="bank account or debit card"):
        send(member, liable, BankAccountFactory(account=liable.account))


def test_it_writes_audit_events_for_the_transfer_and_the_payout(funded, admin, liable):
    transfer = send(admin, liable, BankAccountFactory(account=liable.account))
    actions = set(
        AuditEvent.objects.filter(account_public_id=liable.account.public_id).values_list("action", flat=True)
    )
    assert actions == {"transfer.created", "payout.created"}
    assert transfer.payout.created_by == admin


def test_settling_a_payout_twice_is_harmless(funded, admin, liable):
    payout = send(admin, liable, BankAccountFactory(account=liable.account)).payout
    Payout.objects.filter(pk=payout.pk).update(status="in_transit")
    assert services.settle_payout(payout_id=payout.pk) == "paid"
    assert services.settle_payout(payout_id=payout.pk) is None
    assert system_balance(funded, PAID_OUT) == 300_00


def test_a_manual_payout_draws_on_the_account_balance(funded, admin, liable):
    services.create_transfer(
        actor=admin, connection=liable, amount=500_00, currency="usd", idempotency_key="t"
    )
    payout = services.create_payout(
        actor=admin,
        connection=liable,
        amount=200_00,
        currency="usd",
        destination=BankAccountFactory(account=liable.account),
        idempotency_key="p",
    )
    assert payout.status == "pending" and balance_of(liable) == 300_00


def test_a_manual_payout_cannot_exceed_the_balance(funded, admin, liable):
    from money.errors import InsufficientFunds

    with pytest.raises(InsufficientFunds):
        services.create_payout(
            actor=admin,
            connection=liable,
            amount=1,
            currency="usd",
            destination=BankAccountFactory(account=liable.account),
            idempotency_key="p",
        )
