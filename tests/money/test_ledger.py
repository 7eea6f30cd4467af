import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from money import ledger
from money.ledger import Draft, LedgerError
from money.models import Entry, LedgerAccount, Posting

from .factories import fund_platform

pytestmark = pytest.mark.django_db


def accounts(platform):
    source = ledger.system_account(platform, True, LedgerAccount.Kind.FUNDING_SOURCE, "usd")
    target = ledger.platform_account(platform, True, "usd")
    return source, target


def test_a_posting_moves_balances_and_writes_balanced_entries(platform):
    source, target = accounts(platform)
    with transaction.atomic():
        locked = ledger.lock_in_order(source, target)
        posting = ledger.post(
            platform=platform,
            livemode=True,
            kind=Posting.Kind.TOPUP,
            actor=None,
            draft=Draft().move(source, target, 500, Entry.Kind.TOPUP, "tu_x"),
            locked=locked,
        )
    source.refresh_from_db(), target.refresh_from_db()
    assert (source.balance, target.balance) == (-500, 500)
    assert sorted(posting.entries.values_list("amount", flat=True)) == [-500, 500]
    assert posting.public_id.startswith("txn_")


def test_an_unbalanced_posting_is_refused(platform):
    source, target = accounts(platform)
    with pytest.raises(LedgerError, match="sum to zero"), transaction.atomic():
        locked = ledger.lock_in_order(source, target)
        ledger.post(
            platform=platform,
            livemode=True,
            kind=Posting.Kind.TOPUP,
            actor=None,
            draft=Draft().add(source, -500, "topup").add(target, 400, "topup"),
            locked=locked,
        )
    assert not Posting.objects.exists()


def test_a_line_on_an_unlocked_account_is_refused(platform):
    source, target = accounts(platform)
    with pytest.raises(LedgerError, match="not locked"), transaction.atomic():
        locked = ledger.lock_in_order(source)
        ledger.post(
            platform=platform,
            livemode=True,
            kind=Posting.Kind.TOPUP,
            actor=None,
            draft=Draft().move(source, target, 5, "topup"),
            locked=locked,
        )


def test_a_posting_cannot_cross_platforms(platform, other_platform):
    source, _ = accounts(platform)
    elsewhere = ledger.platform_account(other_platform, True, "usd")
    with pytest.raises(LedgerError, match="cross platforms"), transaction.atomic():
        locked = ledger.lock_in_order(source, elsewhere)
        ledger.post(
            platform=platform,
            livemode=True,
            kind=Posting.Kind.TOPUP,
            actor=None,
            draft=Draft().move(source, elsewhere, 5, "topup"),
            locked=locked,
        )


def test_locking_needs_a_transaction(platform):
    source, target = accounts(platform)
    connection = transaction.get_connection()
    in_atomic, connection.in_atomic_block = connection.in_atomic_block, False
    try:
        with pytest.raises(LedgerError):
            ledger.lock_in_order(source, target)
    finally:
        connection.in_atomic_block = in_atomic


def test_check_ledger_is_clean_after_real_operations(platform, admin):
    fund_platform(admin, 10_00)
    fund_platform(admin, 5_00, livemode=False)
    assert ledger.check_ledger() == []


def test_check_ledger_finds_a_balance_edited_behind_the_ledgers_back(platform, admin):
    fund_platform(admin, 10_00)
    LedgerAccount.objects.filter(kind="platform").update(balance=11_00)
    problems = ledger.check_ledger()
    assert {p.kind for p in problems} == {"balance", "books"}


def test_check_ledger_finds_an_unbalanced_posting(platform, admin):
    fund_platform(admin, 10_00)
    Entry.objects.filter(amount__gt=0).update(amount=9_00)
    LedgerAccount.objects.filter(kind="platform").update(balance=9_00)
    assert "posting" in {p.kind for p in ledger.check_ledger()}


def test_the_command_reports_a_clean_ledger(platform, admin, capsys):
    fund_platform(admin, 10_00)
    call_command("check_ledger")
    assert "consistent" in capsys.readouterr().out


def test_the_command_fails_on_a_broken_ledger(platform, admin):
    fund_platform(admin, 10_00)
    LedgerAccount.objects.filter(kind="platform").update(balance=1)
    with pytest.raises(CommandError, match="problem"):
        call_command("check_ledger")


def test_the_database_refuses_a_negative_platform_balance(platform):
    from django.db import IntegrityError

    _, target = accounts(platform)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=target.pk).update(balance=-1)


@pytest.mark.parametrize(
    "model",
    [
        "ledgeraccount",
        "posting",
        "entry",
        "topup",
        "transfer",
        "payout",
        "accountdebit",
        "accountdebitconsent",
        "idempotencykey",
    ],
)
def test_the_back_office_shows_ledger_rows_read_only(admin_client, platform, admin, model):
    from django.urls import reverse

    fund_platform(admin, 10_00)
    assert admin_client.get(reverse(f"admin:money_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:money_{model}_add")).status_code == 403
