"""The ledger: postings written by the one engine, and a database that protects the books."""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from money import engine, ledger
from money.engine import Operation
from money.ledger import Draft, LedgerError
from money.models import AppendOnly, Entry, LedgerAccount, Posting

from .factories import behind_the_ledgers_back, fund_platform

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's triggers")


def accounts(platform):
    source = ledger.system_account(platform, True, LedgerAccount.Kind.FUNDING_SOURCE, "usd")
    target = ledger.platform_account(platform, True, "usd")
    return source, target


def post(platform, draft):
    return engine.execute(Operation(
        platform_id=platform.pk, livemode=True, now=timezone.now(), result=None,
        posting={"kind": Posting.Kind.TOPUP, "actor": None}, draft=draft,
    ))


def test_a_posting_moves_balances_and_writes_balanced_entries(platform):
    source, target = accounts(platform)
    post(platform, Draft().move(source, target, 500, Entry.Kind.TOPUP, "tu_x"))
    source.refresh_from_db(), target.refresh_from_db()
    assert (source.balance, target.balance) == (-500, 500)
    posting = Posting.objects.get()
    assert sorted(posting.entries.values_list("amount", flat=True)) == [-500, 500]
    assert posting.public_id.startswith("txn_") and posting.actor_label == "system"
    assert ledger.check_ledger() == []


def test_an_unbalanced_posting_is_refused_before_anything_is_written(platform):
    source, target = accounts(platform)
    with pytest.raises(LedgerError, match="sum to zero"):
        post(platform, Draft().add(source, -500, "topup").add(target, 400, "topup"))
    assert not Posting.objects.exists() and not Entry.objects.exists()


def test_a_posting_cannot_cross_platforms(platform, other_platform):
    source, _ = accounts(platform)
    elsewhere = ledger.platform_account(other_platform, True, "usd")
    with pytest.raises(LedgerError, match="cross platforms"):
        post(platform, Draft().move(source, elsewhere, 5, "topup"))
    assert not Posting.objects.exists()


def test_a_posting_that_would_overdraw_the_platform_is_refused_by_the_database(platform):
    source, target = accounts(platform)
    with pytest.raises(IntegrityError):
        post(platform, Draft().move(target, source, 1, "topup"))
    target.refresh_from_db()
    assert target.balance == 0 and not Posting.objects.exists()


def test_postings_and_entries_are_append_only_in_python(platform, admin):
    fund_platform(admin, 10_00)
    with pytest.raises(AppendOnly):
        Entry.objects.filter(amount__gt=0).update(amount=9_00)
    with pytest.raises(AppendOnly):
        Entry.objects.all().delete()
    posting = Posting.objects.first()
    posting.description = "edited"
    with pytest.raises(AppendOnly):
        posting.save()
    with pytest.raises(AppendOnly):
        posting.delete()


@postgresql_only
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE money_entry SET amount = amount * 2",
        "DELETE FROM money_entry",
        "UPDATE money_posting SET description = 'edited'",
        "DELETE FROM money_posting",
        "UPDATE money_ledgeraccount SET balance = balance + 1",
    ],
)
def test_the_database_refuses_to_change_the_books_behind_the_ledgers_back(platform, admin, statement):
    fund_platform(admin, 10_00)
    with (
        pytest.raises(IntegrityError, match="append-only|changes only with entries"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert ledger.check_ledger() == []


@postgresql_only
def test_the_database_refuses_a_commit_whose_posting_does_not_sum_to_zero(platform):
    source, target = accounts(platform)
    with (
        pytest.raises(IntegrityError, match="does not sum to zero"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO money_posting (public_id, platform_id, livemode, kind, description, counterparty, "
            "actor_label, created_at) VALUES ('txn_raw', %s, true, 'topup', '', '', 'raw', now()) RETURNING id",
            [platform.pk],
        )
        (posting_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO money_entry (platform_id, posting_id, ledger_account_id, kind, amount, currency, "
            "source_id, created_at) VALUES (%s, %s, %s, 'topup', 700, 'usd', '', now()), "
            "(%s, %s, %s, 'topup', -500, 'usd', '', now())",
            [platform.pk, posting_id, target.pk, platform.pk, posting_id, source.pk],
        )
        cursor.execute("SET CONSTRAINTS money_posting_balanced IMMEDIATE")  # what COMMIT would check
    assert not Posting.objects.exists()


def test_inserted_entries_move_the_balances_on_either_database(platform):
    """The balances follow the entries however they are inserted (the trigger of money 0006)."""
    source, target = accounts(platform)
    with transaction.atomic():
        posting = Posting.objects.create(platform=platform, livemode=True, kind="topup", actor_label="raw")
        Entry.objects.bulk_create([
            Entry(platform=platform, posting=posting, ledger_account=source, kind="topup", amount=-300, currency="usd"),
            Entry(platform=platform, posting=posting, ledger_account=target, kind="topup", amount=300, currency="usd"),
        ])
    target.refresh_from_db()
    assert target.balance == 300 and ledger.check_ledger() == []


def test_check_ledger_is_clean_after_real_operations(platform, admin):
    fund_platform(admin, 10_00)
    fund_platform(admin, 5_00, livemode=False)
    assert ledger.check_ledger() == []


def test_check_ledger_finds_a_balance_edited_behind_the_ledgers_back(platform, admin):
    fund_platform(admin, 10_00)
    with behind_the_ledgers_back():
        LedgerAccount.objects.filter(kind="platform").update(balance=11_00)
    problems = ledger.check_ledger()
    assert {p.kind for p in problems} == {"balance", "books"}


def test_check_ledger_finds_an_unbalanced_posting(platform, admin):
    fund_platform(admin, 10_00)
    with behind_the_ledgers_back(), connection.cursor() as cursor:
        cursor.execute("UPDATE money_entry SET amount = 900 WHERE amount > 0")
        cursor.execute("UPDATE money_ledgeraccount SET balance = 900 WHERE kind = 'platform'")
    assert "posting" in {p.kind for p in ledger.check_ledger()}


def test_the_command_reports_a_clean_ledger(platform, admin, capsys):
    fund_platform(admin, 10_00)
    call_command("check_ledger")
    assert "consistent" in capsys.readouterr().out


def test_the_command_fails_on_a_broken_ledger(platform, admin):
    fund_platform(admin, 10_00)
    with behind_the_ledgers_back():
        LedgerAccount.objects.filter(kind="platform").update(balance=1)
    with pytest.raises(CommandError, match="problem"):
        call_command("check_ledger")


@pytest.mark.parametrize("kind", ["platform", "connection"])
def test_the_database_refuses_a_negative_guarded_balance(platform, kind):
    from tests.factories import ConnectionFactory

    if kind == "platform":
        _, account = accounts(platform)
    else:
        account = ledger.connection_account(ConnectionFactory(platform=platform), "usd")
    with pytest.raises(IntegrityError), behind_the_ledgers_back():
        LedgerAccount.objects.filter(pk=account.pk).update(balance=-1)


@pytest.mark.parametrize(
    "model",
    [
        "ledgeraccount",
        "posting",
        "entry",
        "topup",
        "transfer",
        "transferreversal",
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
