"""The one-statement transfer on PostgreSQL (money.transfer_sql, migration money 0003): it writes
what the general path writes, commits on the server when called from autocommit mode, and a
refusal or a replay leaves nothing behind."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from money import ledger, services, transfer_sql
from money.errors import IdempotencyConflict, InsufficientFunds
from money.models import Entry, IdempotencyKey, LedgerAccount, Posting, Transfer
from platform_console.models import AuditEvent
from tests.factories import MembershipFactory, PlatformFactory

from .factories import balance_of, fund_platform, platform_balance, receiving_connection

pytestmark = pytest.mark.postgres


def send(actor, connection, amount=250_00, key="k1", **kwargs):
    return services.create_transfer(
        actor=actor, connection=connection, amount=amount, currency="usd", idempotency_key=key, **kwargs
    )


def written(transfer: Transfer) -> dict:
    """Every row a transfer wrote, without the values that differ by construction (ids, keys)."""
    posting = Posting.objects.get(pk=transfer.posting_id)
    event = AuditEvent.objects.get(object_id=transfer.public_id)
    key = IdempotencyKey.objects.get(result_id=transfer.public_id)
    return {
        "transfer": (
            transfer.platform_id,
            transfer.livemode,
            transfer.connection_id,
            transfer.amount,
            transfer.currency,
            transfer.description,
            transfer.created_by_id,
            transfer.created_at,
        ),
        "posting": (
            posting.platform_id,
            posting.livemode,
            posting.kind,
            posting.description,
            posting.counterparty,
            posting.actor_id,
            posting.actor_label,
            posting.created_at,
        ),
        "entries": sorted(
            (
                e.ledger_account_id,
                e.kind,
                e.amount,
                e.currency,
                e.source_id == transfer.public_id,
                e.created_at,
            )
            for e in Entry.objects.filter(posting=posting)
        ),
        "event": (
            event.platform_id,
            event.actor_id,
            event.actor_label,
            event.action,
            event.object_type,
            event.account_public_id,
            event.livemode,
            event.before,
            event.after,
            event.ip,
            event.request_id,
            event.view_as_account,
        ),
        "key": (key.platform_id, key.operation, key.result_type),
    }


@pytest.mark.django_db
def test_it_writes_what_the_general_path_writes(funded, admin, receiver, monkeypatch):
    moment = timezone.now().replace(microsecond=0)
    meta = {"ip": "203.0.113.9", "request_id": "req-1", "view_as_account": ""}
    in_sql = send(admin, receiver, key="sql", description="Week 40", request_meta=meta, now=moment)
    monkeypatch.setattr(transfer_sql, "available", lambda: False)
    in_python = send(admin, receiver, key="python", description="Week 40", request_meta=meta, now=moment)

    in_sql = Transfer.objects.get(pk=in_sql.pk)
    assert written(in_sql) == written(in_python)
    assert in_sql.public_id != in_python.public_id
    assert (
        IdempotencyKey.objects.get(key="sql").params_hash
        == IdempotencyKey.objects.get(key="python").params_hash
    )
    assert balance_of(receiver) == 500_00 and check_ledger_is_sound()


def check_ledger_is_sound() -> bool:
    return ledger.check_ledger() == []


@pytest.mark.django_db
def test_the_returned_transfer_is_the_stored_one(funded, admin, receiver):
    transfer = send(admin, receiver, description="Week 41")
    stored = Transfer.objects.select_related("posting").get(public_id=transfer.public_id)
    assert (transfer.pk, transfer.posting_id, transfer.amount) == (stored.pk, stored.posting_id, 250_00)
    assert transfer.created_by == admin and transfer.connection == receiver
    transfer.refresh_from_db()  # a model instance the ORM treats as saved


# Called from autocommit mode (a request, a task), the transfer commits on the server. -------


@pytest.fixture
def live():
    platform = PlatformFactory()
    admin = MembershipFactory(platform=platform, roles=["admin"])
    return platform, admin, receiving_connection(platform, express=True)


@pytest.mark.django_db(transaction=True)
def test_from_autocommit_mode_it_commits_on_the_server(live):
    platform, admin, receiver = live
    fund_platform(admin, 1_000_00)
    transfer = send(admin, receiver, amount=400_00)
    assert not transaction.get_connection().in_atomic_block
    assert Transfer.objects.filter(pk=transfer.pk).exists()
    assert platform_balance(platform) == 600_00 and balance_of(receiver) == 400_00
    assert AuditEvent.objects.filter(action="transfer.created", object_id=transfer.public_id).exists()
    assert check_ledger_is_sound()


@pytest.mark.django_db(transaction=True)
def test_a_refusal_leaves_no_row_and_the_key_free(live):
    platform, admin, receiver = live
    fund_platform(admin, 1_00)
    before = (Posting.objects.count(), Entry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InsufficientFunds, match=r"available balance is \$1\.00"):
        send(admin, receiver, amount=1_01, key="short")
    assert not Transfer.objects.exists() and not IdempotencyKey.objects.filter(key="short").exists()
    assert (Posting.objects.count(), Entry.objects.count(), AuditEvent.objects.count()) == before
    assert platform_balance(platform) == 1_00 and balance_of(receiver) == 0

    fund_platform(admin, 1_00)
    assert send(admin, receiver, amount=1_01, key="short").amount == 1_01


@pytest.mark.django_db(transaction=True)
def test_a_repeated_key_returns_the_first_transfer(live):
    platform, admin, receiver = live
    fund_platform(admin, 1_000_00)
    first = send(admin, receiver, key="twice")
    again = send(admin, receiver, key="twice")
    assert again.pk == first.pk and Transfer.objects.count() == 1
    assert platform_balance(platform) == 1_000_00 - 250_00
    with pytest.raises(IdempotencyConflict):
        send(admin, receiver, amount=1_00, key="twice")


@pytest.mark.django_db(transaction=True)
def test_the_first_transfer_to_an_account_creates_its_ledger_account(live):
    platform, admin, _receiver = live
    fund_platform(admin, 1_000_00)
    newcomer = receiving_connection(platform, express=True)
    assert not LedgerAccount.objects.filter(connection=newcomer).exists()
    send(admin, newcomer, amount=5_00)
    assert balance_of(newcomer) == 5_00 and check_ledger_is_sound()


@pytest.mark.django_db(transaction=True)
def test_inside_another_atomic_block_it_is_refused(live):
    _platform, admin, receiver = live
    fund_platform(admin, 1_000_00)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        send(admin, receiver)
    assert not Transfer.objects.exists()


# Activity is kept to the minute, on both paths. ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("in_sql", [True, False], ids=["sql", "python"])
def test_activity_within_a_minute_leaves_the_row_alone(funded, admin, receiver, monkeypatch, in_sql):
    monkeypatch.setattr(transfer_sql, "available", lambda: in_sql)
    start = timezone.now()
    type(receiver).objects.filter(pk=receiver.pk).update(last_activity_at=start - timedelta(days=3))
    send(admin, receiver, amount=1_00, key="a", now=start)
    send(admin, receiver, amount=1_00, key="b", now=start + timedelta(seconds=59))
    receiver.refresh_from_db()
    assert receiver.last_activity_at == start
    send(admin, receiver, amount=1_00, key="c", now=start + timedelta(seconds=61))
    receiver.refresh_from_db()
    assert receiver.last_activity_at == start + timedelta(seconds=61)


# Foreign keys: checked at each INSERT, but the entries' ledger account at COMMIT. --------------


@pytest.mark.django_db(transaction=True)
def test_the_ledger_account_of_an_entry_is_checked_at_commit(live):
    platform, admin, _receiver = live
    fund_platform(admin, 1_00)
    posting = Posting.objects.first()
    reached_commit = False
    with pytest.raises(IntegrityError, match="ledger_account"), transaction.atomic():
        ledger.check_constraints_on_write()
        Entry.objects.create(
            platform=platform,
            posting=posting,
            ledger_account_id=10**12,
            kind="transfer",
            amount=1,
            currency="usd",
        )
        reached_commit = True
    assert reached_commit and not Entry.objects.filter(ledger_account_id=10**12).exists()

    with pytest.raises(IntegrityError, match="posting"), transaction.atomic():
        ledger.check_constraints_on_write()
        Entry.objects.create(
            platform=platform,
            posting_id=10**12,
            ledger_account=LedgerAccount.objects.first(),
            kind="transfer",
            amount=1,
            currency="usd",
        )
        pytest.fail("a missing posting is refused at the INSERT")


@pytest.mark.django_db
def test_the_procedure_refuses_a_connection_of_another_platform(funded, admin):
    """Services refuse it first (_check_tenant); the procedure checks again, in the same statement
    that locks the row."""
    elsewhere = receiving_connection(PlatformFactory(), express=True)
    ledger.find_accounts(
        platform=funded,
        livemode=True,
        currency="usd",
        kinds=(LedgerAccount.Kind.PLATFORM,),
        connection=elsewhere,
    )
    with pytest.raises(DatabaseError, match="is not on platform"):
        transfer_sql.post_transfer(
            actor=admin,
            platform=funded,
            connection=elsewhere,
            amount=1_00,
            currency="usd",
            idempotency_key="cross",
            params={},
            description="",
            request_meta=None,
            now=timezone.now(),
            activity_before=timezone.now(),
            insufficient=InsufficientFunds,
        )
    assert not Transfer.objects.filter(connection=elsewhere).exists()
