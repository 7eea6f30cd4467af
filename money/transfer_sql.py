"""A plain transfer's writes in one statement, on PostgreSQL.

A transfer is the money operation a busy platform runs most, and every one of them locks the
platform's balance row. Through the ORM a transfer took 16 round trips and about 3 ms of Python
per posting; with two cores shared with PostgreSQL, that, not the database, capped transfers per
second (`make bench`). Here Python does what needs no lock (the role, the amount, the account's
eligibility, the rows' values) and one prepared CALL of `money_post_transfer` (migration
money 0003) writes the idempotency key, the posting and its two entries, the transfer, the audit
event and the account's activity, then locks the two ledger rows, checks the platform's balance
and moves it. The rows and their order are those of `services._create_transfer`, which remains
the path for transfers sent on to a bank account or card, and for SQLite.

Called from autocommit mode (a request, a task), the procedure also commits on the server: the
balance row is then held from the lock to the end of the COMMIT with no round trip to the client
in between, so a busy or descheduled client process never stretches the window in which every
other transfer of the platform waits. Inside an atomic block (only a test's; any other is
refused, as for every money operation) the block commits.
"""

from datetime import datetime

from django.db import transaction
from psycopg.types.json import Jsonb

from accounts.models import Connection
from platform_console.audit import audit_fields
from platform_console.ids import new_public_id
from platform_console.models import Membership, Platform

from . import idempotency, ledger
from .models import LedgerAccount, Transfer

CALL = (
    "CALL money_post_transfer("
    + ", ".join(["%s"] * 22)
    + ", NULL, NULL, NULL, NULL, NULL, NULL)"  # the INOUT results
)


def available() -> bool:
    return transaction.get_connection().vendor == "postgresql"


def call(params: list) -> tuple:
    """The one round trip, answering (outcome, transfer pk, posting pk, the platform's available
    balance, when the balance row was locked, when the transaction committed or None): a seam
    the benchmark wraps to time the balance lock."""
    return ledger.run_prepared(CALL, params)[0]


def post_transfer(**kwargs) -> Transfer:
    """Takes the arguments of `_post_transfer`."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic(durable=True):  # refused outside a test's block
            return _post_transfer(commit=False, **kwargs)
    return _post_transfer(commit=True, **kwargs)


def _post_transfer(
    *,
    commit: bool,
    actor: Membership,
    platform: Platform,
    connection: Connection,
    amount: int,
    currency: str,
    idempotency_key: str,
    params: dict,
    description: str,
    request_meta: dict | None,
    now: datetime,
    activity_before: datetime,
    insufficient,
) -> Transfer:
    """`insufficient(available)` builds the refusal when the platform's balance is short. The
    function finds the two ledger accounts itself; the first transfer of a platform or account
    in a currency creates them here and calls again."""
    key = idempotency.checked_key(idempotency_key)
    digest = idempotency.params_hash("transfer.create", params)
    transfer_id = new_public_id("tr_")
    audit = audit_fields(
        actor=actor,
        platform=platform,
        action="transfer.created",
        object_type="transfer",
        object_id=transfer_id,
        account_public_id=connection.public_id,
        livemode=connection.livemode,
        after={"amount": amount, "currency": currency},
        request_meta=request_meta,
    )
    arguments = [
        platform.pk,
        connection.livemode,
        connection.pk,
        actor.pk,
        audit["actor_label"],
        key,
        digest,
        transfer_id,
        new_public_id("txn_"),
        new_public_id("evt_"),
        amount,
        currency,
        description,
        connection.account.display_name,
        connection.public_id,
        Jsonb(audit["after"]),
        audit["view_as_account"],
        audit["ip"],
        audit["request_id"],
        now,
        activity_before,
        commit,
    ]
    outcome, pk, posting_pk, balance, _locked_at, _committed_at = call(arguments)
    if outcome == "missing":
        ledger.find_accounts(
            platform=platform,
            livemode=connection.livemode,
            currency=currency,
            kinds=(LedgerAccount.Kind.PLATFORM,),
            connection=connection,
        )
        outcome, pk, posting_pk, balance, _locked_at, _committed_at = call(arguments)
    if outcome == "replay":
        return idempotency.replayed(platform=platform, key=key, operation="transfer.create", digest=digest)
    if outcome == "insufficient":
        raise insufficient(balance)  # nothing written stays: rolled back by the procedure or the block
    if outcome != "created":
        raise ledger.LedgerError(f"money_post_transfer answered {outcome!r}")
    if connection.last_activity_at is None or connection.last_activity_at < activity_before:
        connection.last_activity_at = now
    transfer = Transfer(
        pk=pk,
        public_id=transfer_id,
        platform=platform,
        livemode=connection.livemode,
        connection=connection,
        amount=amount,
        currency=currency,
        description=description,
        posting_id=posting_pk,
        created_by=actor,
        created_at=now,
    )
    transfer._state.adding = False
    transfer._state.db = transaction.get_connection().alias
    return transfer
