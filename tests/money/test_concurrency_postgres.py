"""Real row locks on PostgreSQL: many requests at once against one balance never overdraw it,
and duplicates of one request make one posting. Each thread uses its own database connection
and closes it."""

import threading
from collections import Counter

import pytest
from django.db import connection as db_connection

from money import ledger, services
from money.errors import InsufficientFunds
from money.models import AccountDebit, Posting, Transfer
from tests.factories import MembershipFactory, PlatformFactory

from .factories import balance_of, fund_platform, platform_balance, receiving_connection

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
