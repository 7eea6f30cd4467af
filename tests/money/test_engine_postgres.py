"""The engine's own path on PostgreSQL, outside any atomic block (as in a request or a task): the
whole operation, with its BEGIN and COMMIT, in one pipeline; a refusal leaves nothing and the key
free; a precondition costs one round trip before the balances are touched."""

import threading

import pytest
from django.db import connection

from money import engine, ledger, services
from money.errors import InsufficientFunds
from money.models import IdempotencyKey, Posting, TopUp, Transfer
from tests.factories import MembershipFactory, PlatformFactory

from .factories import balance_of, platform_balance, receiving_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup():
    platform = PlatformFactory()
    admin = MembershipFactory(platform=platform, roles=["admin"])
    return platform, admin, receiving_connection(platform, express=True)


@pytest.fixture
def windows():
    seen: list[float] = []
    engine.lock_window_observer = seen.append
    yield seen
    engine.lock_window_observer = None


def test_a_transfer_commits_in_one_pipeline_and_reports_its_lock_window(setup, windows):
    platform, admin, _account = setup
    assert not connection.in_atomic_block
    services.add_to_balance(actor=admin, amount=100_00, currency="usd", livemode=False, idempotency_key="t")
    test_account = receiving_connection(platform, livemode=False)
    transfer = services.create_transfer(actor=admin, connection=test_account, amount=40_00, currency="usd",
                                        idempotency_key="k")
    assert len(windows) == 2 and all(0 < w < 5 for w in windows)  # the top-up's and the transfer's
    assert Transfer.objects.get(pk=transfer.pk).posting_id == transfer.posting_id
    assert balance_of(test_account) == 40_00 and ledger.check_ledger() == []
    assert connection.connection.info.transaction_status == 0  # idle: committed, nothing left open


def test_a_refusal_leaves_nothing_and_the_key_free(setup):
    platform, admin, account = setup
    with pytest.raises(InsufficientFunds, match=r"available balance is \$0.00"):
        services.create_transfer(actor=admin, connection=account, amount=10_00, currency="usd", idempotency_key="k")
    assert not Posting.objects.exists() and not IdempotencyKey.objects.filter(key="k").exists()
    assert connection.connection.info.transaction_status == 0
    services.add_to_balance(actor=admin, amount=10_00, currency="usd", livemode=True, idempotency_key="top")
    services.settle_topup(topup_id=TopUp.objects.get().pk)
    transfer = services.create_transfer(actor=admin, connection=account, amount=10_00, currency="usd",
                                        idempotency_key="k")
    assert services.create_transfer(actor=admin, connection=account, amount=10_00, currency="usd",
                                    idempotency_key="k").pk == transfer.pk
    assert platform_balance(platform) == 0 and Transfer.objects.count() == 1


def test_two_workers_settling_one_top_up_settle_it_once(setup):
    """The precondition locks the top-up and reads its status again: the second waits, then skips."""
    platform, admin, _account = setup
    topup = services.add_to_balance(actor=admin, amount=10_00, currency="usd", livemode=True, idempotency_key="t")
    barrier = threading.Barrier(2)
    results = []

    def settle():
        try:
            barrier.wait(timeout=10)
            results.append(services.settle_topup(topup_id=topup.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=settle) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]
    assert platform_balance(platform) == 10_00 and ledger.check_ledger() == []
    assert Posting.objects.filter(kind=Posting.Kind.TOPUP_SETTLEMENT).count() == 1
