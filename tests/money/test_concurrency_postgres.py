"""Real row locks on PostgreSQL: many requests at once against one balance never overdraw it,
reversals of one transfer at once never take back more than it, and duplicates of one request
make one posting. Each thread uses its own database connection and closes it."""

import random
import threading
from collections import Counter

import pytest
from django.db import connection as db_connection
from django.db.models import Sum

from money import ledger, services
from money.errors import InsufficientFunds, InvalidAmount
from money.models import AccountDebit, Entry, LedgerAccount, Posting, Transfer, TransferReversal
from platform_console.models import AuditEvent
from tests.factories import MembershipFactory, PlatformFactory

from .factories import BankAccountFactory, balance_of, fund_platform, platform_balance, receiving_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


def run_at_once(count: int, work) -> list:
    """Start `count` threads together; return what each returned (or raised)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = error
        finally:
            db_connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def setup():
    platform = PlatformFactory()
    admin = MembershipFactory(platform=platform, roles=["admin"])
    admin.permissions  # noqa: B018 - computed once, before the threads share the object
    accounts = [receiving_connection(platform, express=True) for _ in range(3)]
    return platform, admin, accounts


def test_concurrent_transfers_never_overdraw_the_platform(setup):
    platform, admin, accounts = setup
    fund_platform(admin, 5 * 100_00)  # covers 5 of the 12

    results = run_at_once(
        THREADS,
        lambda i: services.create_transfer(
            actor=admin, connection=accounts[i % 3], amount=100_00, currency="usd", idempotency_key=f"t{i}"
        ),
    )

    outcomes = Counter(type(result).__name__ for result in results)
    assert outcomes == {"Transfer": 5, "InsufficientFunds": THREADS - 5}
    assert platform_balance(platform) == 0
    assert sum(balance_of(c) for c in accounts) == 5 * 100_00
    assert Transfer.objects.count() == 5
    assert ledger.check_ledger() == []


def test_concurrent_debits_never_overdraw_the_account(setup):
    platform, admin, accounts = setup
    fund_platform(admin, 1_000_00)
    target = accounts[0]
    services.create_transfer(
        actor=admin, connection=target, amount=300_00, currency="usd", idempotency_key="fill"
    )
    services.record_debit_consent(
        actor=admin, connection=target, granted_by="holder", granted_at=target.created_at, ip=None
    )

    results = run_at_once(
        THREADS,
        lambda i: services.create_account_debit(
            actor=admin, connection=target, amount=100_00, idempotency_key=f"d{i}"
        ),
    )

    assert sum(isinstance(r, AccountDebit) for r in results) == 3
    assert all(isinstance(r, (AccountDebit, InsufficientFunds)) for r in results)
    assert balance_of(target) == 0
    assert platform_balance(platform) == 1_000_00
    assert ledger.check_ledger() == []


def test_concurrent_duplicates_with_one_key_make_one_posting(setup):
    _platform, admin, accounts = setup
    fund_platform(admin, 1_000_00)
    postings_before = Posting.objects.count()

    results = run_at_once(
        THREADS,
        lambda i: services.create_transfer(
            actor=admin, connection=accounts[0], amount=100_00, currency="usd", idempotency_key="double-click"
        ),
    )

    assert all(isinstance(r, Transfer) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Posting.objects.count() == postings_before + 1
    assert balance_of(accounts[0]) == 100_00
    assert ledger.check_ledger() == []


def test_transfers_in_opposite_directions_do_not_deadlock(setup):
    """Transfers to an account and debits from it lock the same two rows; the primary-key order
    keeps them from deadlocking."""
    _platform, admin, accounts = setup
    fund_platform(admin, 2_000_00)
    target = accounts[0]
    services.create_transfer(
        actor=admin, connection=target, amount=1_000_00, currency="usd", idempotency_key="fill"
    )
    services.record_debit_consent(
        actor=admin, connection=target, granted_by="holder", granted_at=target.created_at, ip=None
    )

    def work(i):
        if i % 2:
            return services.create_account_debit(
                actor=admin, connection=target, amount=10_00, idempotency_key=f"d{i}"
            )
        return services.create_transfer(
            actor=admin, connection=target, amount=10_00, currency="usd", idempotency_key=f"t{i}"
        )

    results = run_at_once(THREADS, work)
    assert not [r for r in results if isinstance(r, Exception)]
    assert balance_of(target) == 1_000_00
    assert ledger.check_ledger() == []


def test_the_scheduled_payout_runs_once_when_two_workers_race(setup):
    from datetime import timedelta

    from django.utils import timezone

    from money.models import Payout

    from .factories import BankAccountFactory

    _platform, admin, accounts = setup
    fund_platform(admin, 1_000_00)
    target = accounts[0]
    BankAccountFactory(account=target.account)
    earlier = timezone.now() - timedelta(days=5)
    services.create_transfer(
        actor=admin, connection=target, amount=100_00, currency="usd", idempotency_key="t", now=earlier
    )

    results = run_at_once(4, lambda i: services.pay_out_on_schedule(connection_id=target.pk, currency="usd"))

    assert sum(isinstance(r, Payout) for r in results) == 1, results
    assert Payout.objects.count() == 1 and balance_of(target) == 0
    assert ledger.check_ledger() == []


def test_fifty_transfers_reversals_and_debits_at_once_keep_the_books(setup):
    """One platform balance and one connected account, 50 operations at once whose total exceeds
    the balances: transfers (platform -> account), reversals of transfers made before (account ->
    platform) and account debits (account -> platform). What the guards refuse is refused, nothing
    goes negative, and the balances are exactly what the successful operations imply."""
    platform, admin, accounts = setup
    target = accounts[0]
    fund_platform(admin, 1_400_00)
    earlier = [
        services.create_transfer(
            actor=admin, connection=target, amount=100_00, currency="usd", idempotency_key=f"fill{n}"
        )
        for n in range(10)
    ]
    # Most of it paid out, so that the account starts low: its $800 leaves both balances.
    services.create_payout(
        actor=admin,
        connection=target,
        amount=800_00,
        currency="usd",
        destination=BankAccountFactory(account=target.account),
        idempotency_key="payout",
    )
    services.record_debit_consent(
        actor=admin, connection=target, granted_by="holder", granted_at=target.created_at, ip=None
    )
    platform_before, account_before = platform_balance(platform), balance_of(target)
    assert (platform_before, account_before) == (400_00, 200_00)
    postings_before = Posting.objects.count()

    # 20 transfers of $80 ($1,600 asked of a platform balance of $400 plus what comes back);
    # 10 reversals of all of the earlier transfers, 5 of $50 racing five of them; 15 debits of $150.
    # Whatever the order, the account can't cover every pull: were none refused for its balance,
    # the reversals within their transfers would take $750 at least and the debits $2,250, from
    # $200 plus at most $1,600 of transfers.
    plan = (
        [("transfer", 80_00, None)] * 20
        + [("reversal", None, earlier[n].pk) for n in range(10)]
        + [("reversal", 50_00, earlier[n].pk) for n in range(5)]
        + [("debit", 150_00, None)] * 15
    )
    assert len(plan) == 50
    random.Random(50).shuffle(plan)
    # Each reversal gets its own copy of its transfer, read before the threads start (a thread's
    # request loads its own); the engine checks the sum on the locked row.
    copies = {
        i: Transfer.objects.select_related("connection__account").get(pk=pk)
        for i, (kind, _amount, pk) in enumerate(plan)
        if kind == "reversal"
    }

    def work(i):
        kind, amount, _pk = plan[i]
        if kind == "transfer":
            return services.create_transfer(
                actor=admin, connection=target, amount=amount, currency="usd", idempotency_key=f"t{i}"
            )
        if kind == "reversal":
            return services.reverse_transfer(
                actor=admin, transfer=copies[i], amount=amount, idempotency_key=f"r{i}"
            )
        return services.create_account_debit(
            actor=admin, connection=target, amount=amount, idempotency_key=f"d{i}"
        )

    results = run_at_once(len(plan), work)

    done = [r for r in results if isinstance(r, (Transfer, TransferReversal, AccountDebit))]
    refused = [(plan[i][0], r) for i, r in enumerate(results) if isinstance(r, Exception)]
    assert len(done) + len(refused) == len(plan), results  # every thread finished
    for kind, error in refused:
        allowed = (InsufficientFunds, InvalidAmount) if kind == "reversal" else (InsufficientFunds,)
        assert isinstance(error, allowed), (kind, error)
    assert any(isinstance(error, InsufficientFunds) for _, error in refused)
    # Each kind came back as what it was asked for.
    assert all(
        isinstance(r, {"transfer": Transfer, "reversal": TransferReversal, "debit": AccountDebit}[plan[i][0]])
        for i, r in enumerate(results)
        if not isinstance(r, Exception)
    )
    sent = sum(r.amount for r in done if isinstance(r, Transfer))
    taken_back = sum(r.amount for r in done if isinstance(r, TransferReversal))
    pulled = sum(r.amount for r in done if isinstance(r, AccountDebit))
    fees = sum(r.fee for r in done if isinstance(r, AccountDebit))

    # One posting per successful operation, none for a refusal; each of them balanced.
    assert Posting.objects.count() == postings_before + len(done)
    assert len({r.posting_id for r in done}) == len(done)
    assert Transfer.objects.count() == 10 + sum(isinstance(r, Transfer) for r in done)
    assert TransferReversal.objects.count() == sum(isinstance(r, TransferReversal) for r in done)
    assert AccountDebit.objects.count() == sum(isinstance(r, AccountDebit) for r in done)
    unbalanced = Entry.objects.order_by().values("posting_id").annotate(total=Sum("amount")).exclude(total=0)
    assert list(unbalanced) == []
    assert not LedgerAccount.objects.filter(kind__in=["platform", "connection"], balance__lt=0).exists()
    assert ledger.check_ledger() == []

    # The balances are what the successful operations imply.
    assert platform_balance(platform) == platform_before - sent + taken_back + pulled - fees
    assert balance_of(target) == account_before + sent - taken_back - pulled
    # No transfer was reversed past its amount; each records the sum of its reversals.
    for transfer in Transfer.objects.filter(pk__in=[t.pk for t in earlier]):
        reversals = [
            r.amount for r in done if isinstance(r, TransferReversal) and r.transfer_id == transfer.pk
        ]
        assert transfer.amount_reversed == sum(reversals) <= transfer.amount


@pytest.mark.parametrize(
    ("threads", "amount", "succeed"),
    [
        (2, None, 1),  # two reversals of all that is left: one wins
        (8, 25_00, 2),  # eight of $25 for the $60 left: two fit
    ],
)
def test_reversals_of_one_transfer_racing_never_reverse_more_than_it(setup, threads, amount, succeed):
    _platform, admin, accounts = setup
    fund_platform(admin, 1_000_00)
    target = accounts[0]
    transfer = services.create_transfer(
        actor=admin, connection=target, amount=100_00, currency="usd", idempotency_key="t"
    )
    services.create_transfer(  # the account's balance covers every reversal: only the sum refuses
        actor=admin, connection=target, amount=500_00, currency="usd", idempotency_key="more"
    )
    services.reverse_transfer(actor=admin, transfer=transfer, amount=40_00, idempotency_key="first")
    account_before = balance_of(target)
    # Each thread has its own copy, all saying $60 is left.
    copies = [
        Transfer.objects.select_related("connection__account").get(pk=transfer.pk) for _ in range(threads)
    ]

    results = run_at_once(
        threads,
        lambda i: services.reverse_transfer(
            actor=admin, transfer=copies[i], amount=amount, idempotency_key=f"r{i}"
        ),
    )

    won = [r for r in results if isinstance(r, TransferReversal)]
    assert len(won) == succeed, results
    assert all(isinstance(r, InvalidAmount) for r in results if not isinstance(r, TransferReversal)), results
    transfer.refresh_from_db()
    assert transfer.amount_reversed == 40_00 + sum(r.amount for r in won) <= transfer.amount
    assert TransferReversal.objects.filter(transfer=transfer).count() == 1 + succeed
    assert balance_of(target) == account_before - sum(r.amount for r in won)
    assert ledger.check_ledger() == []


def test_reversals_racing_each_audit_the_running_total(setup):
    """Each reversal's audit event, and the caller's copy of the transfer, get the running total as
    the locked row had it, not as the caller's copy did (all three copies say nothing is reversed)."""
    _platform, admin, accounts = setup
    fund_platform(admin, 1_000_00)
    transfer = services.create_transfer(
        actor=admin, connection=accounts[0], amount=90_00, currency="usd", idempotency_key="t"
    )
    copies = [Transfer.objects.select_related("connection__account").get(pk=transfer.pk) for _ in range(3)]

    results = run_at_once(
        3,
        lambda i: services.reverse_transfer(
            actor=admin, transfer=copies[i], amount=30_00, idempotency_key=f"r{i}"
        ),
    )

    assert all(isinstance(r, TransferReversal) for r in results), results
    totals = AuditEvent.objects.filter(action="transfer.reversed").values_list(
        "after__amount_reversed", flat=True
    )
    assert sorted(totals) == [30_00, 60_00, 90_00]
    assert sorted(copy.amount_reversed for copy in copies) == [30_00, 60_00, 90_00]
