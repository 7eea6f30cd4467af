"""Every write that moves money. Each operation:

- checks the actor's role (`OperationNotPermitted`, also a 403) and the domain rules,
- runs in one `transaction.atomic(durable=True)` block that writes exactly one posting,
- claims its idempotency key first (a repeat returns the first result; other parameters are
  refused with `IdempotencyConflict`),
- records the activity on the connected account first, which locks the account's row, then
  locks every ledger account it touches with SELECT … FOR NO KEY UPDATE in primary-key order
  and checks limits on the locked rows (connection row before ledger rows, in every operation:
  two operations never wait for each other's rows the other way round),
- writes an AuditEvent.

Transfers write everything else before they lock their ledger accounts, so the platform's
balance row, which every transfer of the platform needs, is held only for the check, one UPDATE
and the commit (see `money.ledger.record`). On PostgreSQL a transfer that stops at the account's
balance is written by one call of a database function instead (`money.transfer_sql`): the same
rows, in the same order, in one round trip.

Refusals raise a MoneyError subclass with a sentence for the operator; the transaction then rolls
back, so nothing moved and the idempotency key stays free.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import hooks as account_hooks
from accounts import payout_schedule
from accounts.models import Connection, ExternalAccount
from platform_console import permissions
from platform_console.audit import record_audit
from platform_console.ids import new_public_id
from platform_console.models import Membership

from . import currency as currencies
from . import idempotency, ledger, magic, rules, transfer_sql
from .errors import (
    AccountNotEligible,
    DestinationNotEligible,
    InsufficientFunds,
    InvalidAmount,
    OperationNotPermitted,
)
from .ledger import Bucket, Draft, Kind
from .models import AccountDebit, AccountDebitConsent, Entry, Payout, Posting, TopUp, Transfer

fmt = currencies.format_money


# Shared checks ---------------------------------------------------------------------------------


def _check_amount(amount: Any, currency: str) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidAmount("The amount must be a whole number of minor units.")
    if amount <= 0:
        raise InvalidAmount("Enter an amount greater than zero.")
    if amount > currencies.max_amount(currency):
        raise InvalidAmount(
            f"The largest amount you can move at once is {fmt(currencies.max_amount(currency), currency)}."
        )
    return amount


def _check_currency(currency: str) -> str:
    if (refusal := rules.currency_refusal(currency)) is not None:
        raise refusal
    return currency.lower()


def _check_tenant(actor: Membership, connection: Connection) -> None:
    # Views reach connections only through the tenant-scoped selectors; this guards every other
    # caller (tasks, shells, future APIs).
    if connection.platform_id != actor.platform_id:
        raise OperationNotPermitted("This account is not connected to your platform.")


# Activity is kept to the minute: an operation within a minute of the recorded activity leaves the
# row alone (an UPDATE of last_activity_at writes every one of the table's indexes).
ACTIVITY_RESOLUTION = timedelta(minutes=1)
TOUCH_SQL = (
    f"UPDATE {Connection._meta.db_table} SET last_activity_at = %s "
    "WHERE id = %s AND (last_activity_at IS NULL OR last_activity_at < %s) RETURNING id"
)
LOCK_CONNECTION_SQL = f"SELECT id FROM {Connection._meta.db_table} WHERE id = %s FOR NO KEY UPDATE"


def _touch(connection: Connection, now: datetime) -> None:
    """Transfers, payouts and debits are activity (domain.md §7.4, inactivity hold). Locks the
    connection's row, touched or not: call it before `ledger.lock_in_order` (the lock order of
    every money operation). Prepared on PostgreSQL: planning an UPDATE of this many-indexed table
    costs more than running it."""
    before = now - ACTIVITY_RESOLUTION
    if transaction.get_connection().vendor == "postgresql":
        if not ledger.run_prepared(TOUCH_SQL, [now, connection.pk, before]):
            ledger.run_prepared(LOCK_CONNECTION_SQL, [connection.pk])
    else:
        Connection.objects.filter(
            Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=before), pk=connection.pk
        ).update(last_activity_at=now)
    if connection.last_activity_at is None or connection.last_activity_at < before:
        connection.last_activity_at = now
    _lift_hold_after_commit(connection)


def _lift_hold_after_commit(connection: Connection) -> None:
    """Activity lifts an inactivity hold at once (domain.md §7.4): once the money has moved, the
    requirements engine clears the hold and re-evaluates the account. Robust: a failure there
    must not fail a committed operation, and the daily sweep releases the hold anyway."""
    if connection.verifications_held_at is not None:
        transaction.on_commit(lambda: account_hooks.activity_while_held(connection), robust=True)


def _insufficient(available: int, amount: int, currency: str) -> InsufficientFunds:
    return InsufficientFunds(
        f"The platform's available balance is {fmt(available, currency)}, which doesn't cover "
        f"{fmt(amount, currency)}. Add to balance first."
    )


def _standard_arrival(now: datetime) -> date:
    return (now + timedelta(days=settings.MONEY_STANDARD_PAYOUT_DAYS)).date()


# Add to balance ------------------------------------------------------------------------------


def add_to_balance(
    *,
    actor: Membership,
    amount: int,
    currency: str,
    livemode: bool,
    idempotency_key: str,
    description: str = "",
    source_token: str = "",
    request_meta: dict | None = None,
    now: datetime | None = None,
) -> TopUp:
    """Top up the platform's balance from its bank account.

    Test mode: the funds are available at once (or the top-up fails, per the test bank token).
    Live mode: they are pending until `settle_topup` makes them available.
    """
    rules.ensure_can(actor, permissions.ADD_TO_BALANCE)
    currency = _check_currency(currency)
    amount = _check_amount(amount, currency)
    platform = actor.platform
    token = "" if livemode else (source_token or magic.TOPUP_SUCCESS_TOKEN)
    funding = ledger.system_account(platform, livemode, Kind.FUNDING_SOURCE, currency)
    target = ledger.platform_account(
        platform, livemode, currency, Bucket.AVAILABLE if not livemode else Bucket.PENDING
    )
    return _add_to_balance(
        actor=actor,
        platform=platform,
        amount=amount,
        currency=currency,
        livemode=livemode,
        token=token,
        idempotency_key=idempotency_key,
        description=description.strip(),
        funding=funding,
        target=target,
        request_meta=request_meta,
        now=now or timezone.now(),
    )


@transaction.atomic(durable=True)
def _add_to_balance(
    *,
    actor,
    platform,
    amount,
    currency,
    livemode,
    token,
    idempotency_key,
    description,
    funding,
    target,
    request_meta,
    now,
) -> TopUp:
    params = {
        "livemode": livemode,
        "amount": amount,
        "currency": currency,
        "description": description,
        "token": token,
    }
    claimed = idempotency.claim(
        platform=platform, key=idempotency_key, operation="topup.create", params=params
    )
    if claimed.is_replay:
        return claimed.result
    public_id = new_public_id("tu_")
    failure = magic.topup_failure_code(token) if not livemode else ""
    topup = TopUp(
        public_id=public_id,
        platform=platform,
        livemode=livemode,
        amount=amount,
        currency=currency,
        description=description,
        source_token=token,
        created_by=actor,
        created_at=now,
    )
    if failure:
        # The bank refused: the top-up is recorded as failed and nothing moves.
        topup.status = TopUp.Status.FAILED
        topup.failure_code = failure
        topup.save()
        idempotency.complete(claimed, topup, "topup")
        record_audit(
            actor=actor,
            action="topup.failed",
            obj=topup,
            livemode=livemode,
            after={"amount": amount, "currency": currency, "failure_code": failure},
            request_meta=request_meta,
        )
        return topup
    locked = ledger.lock_in_order(funding, target)
    posting = ledger.post(
        platform=platform,
        livemode=livemode,
        kind=Posting.Kind.TOPUP,
        actor=actor,
        now=now,
        description=description,
        counterparty="Platform bank account" if livemode else f"Test bank {token}",
        draft=Draft().move(funding, target, amount, Entry.Kind.TOPUP, public_id),
        locked=locked,
    )
    topup.posting = posting
    if livemode:
        topup.status = TopUp.Status.PENDING
        topup.expected_availability_at = now + timedelta(days=settings.MONEY_TOPUP_PENDING_DAYS)
    else:
        topup.status = TopUp.Status.SUCCEEDED
        topup.expected_availability_at = now
        topup.settled_at = now
    topup.save()
    idempotency.complete(claimed, topup, "topup")
    record_audit(
        actor=actor,
        action="topup.created",
        obj=topup,
        livemode=livemode,
        after={"amount": amount, "currency": currency, "status": topup.status},
        request_meta=request_meta,
    )
    return topup


def settle_topup(*, topup_id: int, now: datetime | None = None) -> bool:
    """Make a pending live top-up available. Safe to run twice; returns True when it settled now."""
    topup = TopUp.objects.filter(pk=topup_id).first()
    if topup is None or topup.status != TopUp.Status.PENDING:
        return False
    pending = ledger.platform_account(topup.platform, topup.livemode, topup.currency, Bucket.PENDING)
    available = ledger.platform_account(topup.platform, topup.livemode, topup.currency, Bucket.AVAILABLE)
    return _settle_topup(topup_id=topup_id, pending=pending, available=available, now=now or timezone.now())


@transaction.atomic(durable=True)
def _settle_topup(*, topup_id, pending, available, now) -> bool:
    # The top-up row is locked before the ledger rows; no operation locks them the other way round.
    topup = TopUp.objects.select_for_update(of=("self",)).select_related("platform").get(pk=topup_id)
    if topup.status != TopUp.Status.PENDING:
        return False  # another worker settled it first
    locked = ledger.lock_in_order(pending, available)
    posting = ledger.post(
        platform=topup.platform,
        livemode=topup.livemode,
        kind=Posting.Kind.TOPUP_SETTLEMENT,
        actor=None,
        now=now,
        description=topup.description,
        counterparty="Top-up settled",
        draft=Draft().move(pending, available, topup.amount, Entry.Kind.SETTLEMENT, topup.public_id),
        locked=locked,
    )
    TopUp.objects.filter(pk=topup.pk).update(
        status=TopUp.Status.SUCCEEDED, settled_at=now, settlement_posting=posting
    )
    record_audit(
        actor=None,
        platform=topup.platform,
        action="topup.succeeded",
        obj=topup,
        livemode=topup.livemode,
        after={"amount": topup.amount, "currency": topup.currency},
    )
    return True


def settle_pending_topups(*, now: datetime | None = None) -> int:
    """Settle every pending top-up whose funds are due to be available. Returns how many settled."""
    now = now or timezone.now()
    due = TopUp.objects.filter(status=TopUp.Status.PENDING, expected_availability_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(1 for pk in list(due) if settle_topup(topup_id=pk, now=now))


# Transfers and payouts -----------------------------------------------------------------------


def plan_payout(
    connection: Connection, destination: ExternalAccount, currency: str
) -> tuple[str, magic.PayoutOutcome]:
    """Method and outcome of a payout to `destination`, or a refusal. Cards are paid instantly,
    bank accounts by standard payout."""
    if (refusal := rules.payouts_refusal(connection)) is not None:
        raise refusal
    if (refusal := rules.payout_destination_refusal(connection, destination, currency)) is not None:
        raise refusal
    outcome = magic.payout_outcome(destination, livemode=connection.livemode)
    if destination.kind == ExternalAccount.Kind.CARD:
        if not outcome.instant_allowed:
            raise DestinationNotEligible(
                f"{destination} can't receive instant payouts. Choose a bank account instead."
            )
        return Payout.Method.INSTANT, outcome
    return Payout.Method.STANDARD, outcome


def _payout_lines(
    draft: Draft,
    *,
    balance,
    transit,
    paid_out,
    amount: int,
    public_id: str,
    method: str,
    outcome: magic.PayoutOutcome,
    now: datetime,
) -> dict:
    """Add a payout's lines to `draft`; returns the Payout fields that follow from it.

    Instant payouts settle at once: paid (balance -> paid out) or failed (nothing moves, the
    funds stay in the balance). Standard payouts go in transit until `settle_payout`.
    """
    if method == Payout.Method.INSTANT:
        if not outcome.succeeds:
            return {
                "status": Payout.Status.FAILED,
                "failure_code": outcome.failure_code,
                "failure_message": Payout.FAILURE_MESSAGES.get(outcome.failure_code, ""),
                "arrival_date": now.date(),
            }
        draft.move(balance, paid_out, amount, Entry.Kind.PAYOUT, public_id)
        return {"status": Payout.Status.PAID, "arrival_date": now.date()}
    draft.move(balance, transit, amount, Entry.Kind.PAYOUT, public_id)
    return {"status": Payout.Status.PENDING, "arrival_date": _standard_arrival(now)}


def create_transfer(
    *,
    actor: Membership,
    connection: Connection,
    amount: int,
    currency: str,
    idempotency_key: str,
    description: str = "",
    send_to: ExternalAccount | None = None,
    request_meta: dict | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Send funds from the platform's available balance to a connected account's balance — and,
    with `send_to`, straight on to its bank account (standard payout) or debit card (instant).

    Raises InsufficientFunds, AccountNotEligible, UnsupportedCurrency, DestinationNotEligible,
    IdempotencyConflict, OperationNotPermitted.
    """
    rules.ensure_can(actor, permissions.SEND_FUNDS)
    if send_to is not None:
        rules.ensure_can(actor, permissions.SEND_TO_EXTERNAL)
    _check_tenant(actor, connection)
    currency = _check_currency(currency)
    amount = _check_amount(amount, currency)
    if (refusal := rules.transfer_refusal(connection, currency)) is not None:
        raise refusal
    method, outcome = None, None
    if send_to is not None:
        if (
            refusal := rules.liability_refusal(connection, "Sending to a bank account or debit card")
        ) is not None:
            raise refusal
        method, outcome = plan_payout(connection, send_to, currency)
    platform = actor.platform
    description = description.strip()
    now = now or timezone.now()
    if send_to is None and transfer_sql.available():
        transfer = transfer_sql.post_transfer(
            actor=actor,
            platform=platform,
            connection=connection,
            amount=amount,
            currency=currency,
            idempotency_key=idempotency_key,
            params=_transfer_params(connection, amount, currency, description, send_to),
            description=description,
            request_meta=request_meta,
            now=now,
            activity_before=now - ACTIVITY_RESOLUTION,
            insufficient=lambda available: _insufficient(available, amount, currency),
        )
        _lift_hold_after_commit(connection)  # the procedure recorded the activity itself
        return transfer
    found = ledger.find_accounts(
        platform=platform,
        livemode=connection.livemode,
        currency=currency,
        kinds=(Kind.PLATFORM, Kind.PAYOUTS_IN_TRANSIT, Kind.PAID_OUT),
        connection=connection,
    )
    accounts = {
        "source": found[Kind.PLATFORM],
        "target": found["connection"],
        "transit": found[Kind.PAYOUTS_IN_TRANSIT],
        "paid_out": found[Kind.PAID_OUT],
    }
    return _create_transfer(
        actor=actor,
        platform=platform,
        connection=connection,
        amount=amount,
        currency=currency,
        idempotency_key=idempotency_key,
        description=description,
        send_to=send_to,
        method=method,
        outcome=outcome,
        accounts=accounts,
        request_meta=request_meta,
        now=now,
    )


def _transfer_params(connection, amount, currency, description, send_to) -> dict:
    """What an idempotency key of a transfer stands for."""
    return {
        "connection": connection.public_id,
        "livemode": connection.livemode,
        "amount": amount,
        "currency": currency,
        "description": description,
        "send_to": send_to.public_id if send_to else "",
    }


@transaction.atomic(durable=True)
def _create_transfer(
    *,
    actor,
    platform,
    connection,
    amount,
    currency,
    idempotency_key,
    description,
    send_to,
    method,
    outcome,
    accounts,
    request_meta,
    now,
) -> Transfer:
    params = _transfer_params(connection, amount, currency, description, send_to)
    ledger.check_constraints_on_write()
    claimed = idempotency.claim(
        platform=platform, key=idempotency_key, operation="transfer.create", params=params
    )
    if claimed.is_replay:
        return claimed.result
    source, target = accounts["source"], accounts["target"]
    transfer_id = new_public_id("tr_")
    draft = Draft().move(source, target, amount, Entry.Kind.TRANSFER, transfer_id)
    payout_fields = None
    if send_to is not None:
        payout_id = new_public_id("po_")
        payout_fields = _payout_lines(
            draft,
            balance=target,
            transit=accounts["transit"],
            paid_out=accounts["paid_out"],
            amount=amount,
            public_id=payout_id,
            method=method,
            outcome=outcome,
            now=now,
        )
    # Every row of the transfer is written before its ledger accounts are locked: the platform
    # balance is the row every transfer of the platform waits for, so it is locked only for the
    # check, the balance UPDATE and the commit. A refusal raised under the lock rolls all of it
    # back, as before.
    recorded = ledger.record(
        platform=platform,
        livemode=connection.livemode,
        kind=Posting.Kind.TRANSFER,
        actor=actor,
        now=now,
        description=description,
        counterparty=connection.account.display_name,
        draft=draft,
    )
    transfer = Transfer.objects.create(
        public_id=transfer_id,
        platform=platform,
        livemode=connection.livemode,
        connection=connection,
        amount=amount,
        currency=currency,
        description=description,
        posting=recorded.posting,
        created_by=actor,
        created_at=now,
    )
    idempotency.complete(claimed, transfer, "transfer")
    account_id = connection.public_id
    record_audit(
        actor=actor,
        action="transfer.created",
        obj=transfer,
        account_public_id=account_id,
        livemode=connection.livemode,
        after={"amount": amount, "currency": currency},
        request_meta=request_meta,
    )
    if payout_fields is not None:
        payout = Payout.objects.create(
            public_id=payout_id,
            platform=platform,
            livemode=connection.livemode,
            connection=connection,
            amount=amount,
            currency=currency,
            destination=send_to,
            method=method,
            transfer=transfer,
            posting=recorded.posting if payout_fields["status"] != Payout.Status.FAILED else None,
            description=description,
            created_by=actor,
            created_at=now,
            **payout_fields,
        )
        record_audit(
            actor=actor,
            action=f"payout.{'failed' if payout.status == Payout.Status.FAILED else 'created'}",
            obj=payout,
            account_public_id=account_id,
            livemode=connection.livemode,
            after={
                "amount": amount,
                "currency": currency,
                "destination": send_to.public_id,
                "method": method,
                "status": payout.status,
                "failure_code": payout.failure_code,
            },
            request_meta=request_meta,
        )
    _touch(connection, now)
    locked = ledger.lock_in_order(*{line.account.pk: line.account for line in draft.lines}.values())
    if locked[source.pk].balance < amount:
        raise _insufficient(locked[source.pk].balance, amount, currency)
    ledger.apply(recorded, locked)
    return transfer


def create_payout(
    *,
    actor: Membership,
    connection: Connection,
    amount: int,
    currency: str,
    destination: ExternalAccount,
    idempotency_key: str,
    description: str = "",
    request_meta: dict | None = None,
    now: datetime | None = None,
) -> Payout:
    """Pay out part of a platform-liable account's available balance to its bank account or card,
    on request (the way `manual` schedules pay out). Raises InsufficientFunds, AccountNotEligible,
    DestinationNotEligible, IdempotencyConflict, OperationNotPermitted."""
    rules.ensure_can(actor, permissions.SEND_TO_EXTERNAL)
    _check_tenant(actor, connection)
    currency = _check_currency(currency)
    amount = _check_amount(amount, currency)
    if (refusal := rules.liability_refusal(connection, "Paying out on request")) is not None:
        raise refusal
    if connection.lifecycle_state != Connection.Lifecycle.ACTIVE:
        raise AccountNotEligible(f"{connection.account.display_name} is not an active account.")
    method, outcome = plan_payout(connection, destination, currency)
    platform = actor.platform
    accounts = {
        "balance": ledger.connection_account(connection, currency),
        "transit": ledger.system_account(platform, connection.livemode, Kind.PAYOUTS_IN_TRANSIT, currency),
        "paid_out": ledger.system_account(platform, connection.livemode, Kind.PAID_OUT, currency),
    }
    return _create_payout(
        actor=actor,
        platform=platform,
        connection=connection,
        amount=amount,
        currency=currency,
        destination=destination,
        method=method,
        outcome=outcome,
        accounts=accounts,
        idempotency_key=idempotency_key,
        description=description.strip(),
        request_meta=request_meta,
        now=now or timezone.now(),
    )


@transaction.atomic(durable=True)
def _create_payout(
    *,
    actor,
    platform,
    connection,
    amount,
    currency,
    destination,
    method,
    outcome,
    accounts,
    idempotency_key,
    description,
    request_meta,
    now,
) -> Payout:
    params = {
        "connection": connection.public_id,
        "livemode": connection.livemode,
        "amount": amount,
        "currency": currency,
        "destination": destination.public_id,
        "description": description,
    }
    claimed = idempotency.claim(
        platform=platform, key=idempotency_key, operation="payout.create", params=params
    )
    if claimed.is_replay:
        return claimed.result
    _touch(connection, now)
    locked = ledger.lock_in_order(*accounts.values())
    available = locked[accounts["balance"].pk].balance
    if available < amount:
        raise InsufficientFunds(
            f"{rules.possessive(connection.account.display_name)} available balance is {fmt(available, currency)}; "
            f"it can't pay out {fmt(amount, currency)}."
        )
    payout_id = new_public_id("po_")
    draft = Draft()
    fields = _payout_lines(
        draft,
        balance=accounts["balance"],
        transit=accounts["transit"],
        paid_out=accounts["paid_out"],
        amount=amount,
        public_id=payout_id,
        method=method,
        outcome=outcome,
        now=now,
    )
    posting = None
    if draft.lines:
        posting = ledger.post(
            platform=platform,
            livemode=connection.livemode,
            kind=Posting.Kind.PAYOUT,
            actor=actor,
            now=now,
            description=description,
            counterparty=connection.account.display_name,
            draft=draft,
            locked=locked,
        )
    payout = Payout.objects.create(
        public_id=payout_id,
        platform=platform,
        livemode=connection.livemode,
        connection=connection,
        amount=amount,
        currency=currency,
        destination=destination,
        method=method,
        posting=posting,
        description=description,
        created_by=actor,
        created_at=now,
        **fields,
    )
    idempotency.complete(claimed, payout, "payout")
    record_audit(
        actor=actor,
        action=f"payout.{'failed' if payout.status == Payout.Status.FAILED else 'created'}",
        obj=payout,
        account_public_id=connection.public_id,
        livemode=connection.livemode,
        after={
            "amount": amount,
            "currency": currency,
            "destination": destination.public_id,
            "method": method,
            "status": payout.status,
        },
        request_meta=request_meta,
    )
    return payout


def settle_payout(*, payout_id: int, now: datetime | None = None) -> str | None:
    """Finish an in-transit payout: paid, or failed with the funds credited back to the account's
    balance (and a failing bank account marked errored). Returns the new status, or None when
    there was nothing to do. Safe to run twice."""
    payout = Payout.objects.filter(pk=payout_id).select_related("connection").first()
    if payout is None or payout.status != Payout.Status.IN_TRANSIT:
        return None
    accounts = {
        "balance": ledger.connection_account(payout.connection, payout.currency),
        "transit": ledger.system_account(
            payout.platform_id, payout.livemode, Kind.PAYOUTS_IN_TRANSIT, payout.currency
        ),
        "paid_out": ledger.system_account(
            payout.platform_id, payout.livemode, Kind.PAID_OUT, payout.currency
        ),
    }
    return _settle_payout(payout_id=payout_id, accounts=accounts, now=now or timezone.now())


@transaction.atomic(durable=True)
def _settle_payout(*, payout_id, accounts, now) -> str | None:
    payout = (
        Payout.objects.select_for_update(of=("self",))
        .select_related("platform", "destination", "connection__account")
        .get(pk=payout_id)
    )
    if payout.status != Payout.Status.IN_TRANSIT:
        return None  # another worker finished it first
    outcome = magic.payout_outcome(payout.destination, livemode=payout.livemode)
    _touch(payout.connection, now)
    locked = ledger.lock_in_order(*accounts.values())
    if outcome.succeeds:
        draft = Draft().move(
            accounts["transit"], accounts["paid_out"], payout.amount, Entry.Kind.PAYOUT, payout.public_id
        )
        kind, status, action = Posting.Kind.PAYOUT_PAID, Payout.Status.PAID, "payout.paid"
    else:
        draft = Draft().move(
            accounts["transit"],
            accounts["balance"],
            payout.amount,
            Entry.Kind.PAYOUT_FAILURE,
            payout.public_id,
        )
        kind, status, action = Posting.Kind.PAYOUT_FAILURE, Payout.Status.FAILED, "payout.failed"
    posting = ledger.post(
        platform=payout.platform,
        livemode=payout.livemode,
        kind=kind,
        actor=None,
        now=now,
        description=payout.failure_message if not outcome.succeeds else "",
        counterparty=payout.connection.account.display_name,
        draft=draft,
        locked=locked,
    )
    Payout.objects.filter(pk=payout.pk).update(
        status=status,
        closing_posting=posting,
        failure_code=outcome.failure_code,
        failure_message=Payout.FAILURE_MESSAGES.get(outcome.failure_code, ""),
        updated_at=now,
    )
    if not outcome.succeeds and payout.destination.kind == ExternalAccount.Kind.BANK_ACCOUNT:
        # domain.md §3.9: a failed payout marks the bank account errored, which stops scheduled
        # payouts to it until the holder updates the details.
        ExternalAccount.objects.filter(pk=payout.destination_id).update(status=ExternalAccount.Status.ERRORED)
    record_audit(
        actor=None,
        platform=payout.platform,
        action=action,
        obj=payout,
        account_public_id=payout.connection.public_id,
        livemode=payout.livemode,
        after={"amount": payout.amount, "currency": payout.currency, "failure_code": outcome.failure_code},
    )
    return status


def process_payouts(*, now: datetime | None = None) -> dict[str, int]:
    """The bank side of standard payouts: in-transit payouts whose arrival date has come are paid
    (or fail), then pending ones are sent (pending -> in transit). Safe to run any number of times."""
    now = now or timezone.now()
    settled = 0
    due = Payout.objects.filter(status=Payout.Status.IN_TRANSIT, arrival_date__lte=now.date()).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        if settle_payout(payout_id=pk, now=now):
            settled += 1
    # A conditional UPDATE: two workers cannot both send the same payout.
    sent = Payout.objects.filter(status=Payout.Status.PENDING, created_at__lte=now).update(
        status=Payout.Status.IN_TRANSIT, updated_at=now
    )
    return {"settled": settled, "sent": sent}


# Scheduled payouts ---------------------------------------------------------------------------


def is_payout_day(connection: Connection, on_date: date) -> bool:
    return payout_schedule.is_payout_day(payout_schedule.Schedule.of(connection), on_date)


def delay_days(connection: Connection) -> int:
    """Days funds stay in the balance before the schedule pays them out; never below the minimum."""
    return payout_schedule.effective_delay_days(
        payout_schedule.Schedule.of(connection), connection.account.country
    )


def default_destination(connection: Connection, currency: str) -> ExternalAccount | None:
    return (
        ExternalAccount.objects.filter(
            account_id=connection.account_id, currency=currency, default_for_currency=True
        )
        .exclude(status__in=[ExternalAccount.Status.ERRORED, ExternalAccount.Status.VERIFICATION_FAILED])
        .first()
    )


def pay_out_on_schedule(*, connection_id: int, currency: str, now: datetime | None = None) -> Payout | None:
    """The schedule's payout of one account and currency for today: the available funds that have
    been in the balance for at least the delay days, to the default destination for the currency.
    At most one per account, currency and day, however often it runs. None when nothing is due."""
    now = now or timezone.now()
    on_date = now.date()
    connection = Connection.objects.select_related("account", "platform").filter(pk=connection_id).first()
    if connection is None or connection.lifecycle_state != Connection.Lifecycle.ACTIVE:
        return None
    if rules.payouts_refusal(connection) is not None or not is_payout_day(connection, on_date):
        return None
    destination = default_destination(connection, currency)
    if destination is None:
        return None
    accounts = {
        "balance": ledger.connection_account(connection, currency),
        "transit": ledger.system_account(
            connection.platform, connection.livemode, Kind.PAYOUTS_IN_TRANSIT, currency
        ),
    }
    return _pay_out_on_schedule(
        connection=connection,
        currency=currency,
        destination=destination,
        accounts=accounts,
        on_date=on_date,
        now=now,
    )


@transaction.atomic(durable=True)
def _pay_out_on_schedule(*, connection, currency, destination, accounts, on_date, now) -> Payout | None:
    # The connection's row first, as every money operation does; it is touched only if a payout
    # is made.
    Connection.objects.select_for_update(no_key=True).filter(pk=connection.pk).values_list("pk").first()
    locked = ledger.lock_in_order(*accounts.values())
    # Checked after the lock: a second run for the same account and currency waits on the balance
    # row, then sees the first run's payout (and the unique constraint backs this up).
    if Payout.objects.filter(
        connection=connection, currency=currency, automatic=True, scheduled_for=on_date
    ).exists():
        return None
    balance = locked[accounts["balance"].pk]
    cutoff = now - timedelta(days=delay_days(connection))
    # Funds are paid out oldest first: what arrived within the delay stays behind.
    payable = min(balance.balance, balance.balance - ledger.credits_since(balance, cutoff))
    if payable <= 0:
        return None
    payout_id = new_public_id("po_")
    draft = Draft().move(accounts["balance"], accounts["transit"], payable, Entry.Kind.PAYOUT, payout_id)
    posting = ledger.post(
        platform=connection.platform,
        livemode=connection.livemode,
        kind=Posting.Kind.PAYOUT,
        actor=None,
        now=now,
        description="Scheduled payout",
        counterparty=connection.account.display_name,
        draft=draft,
        locked=locked,
    )
    payout = Payout.objects.create(
        public_id=payout_id,
        platform=connection.platform,
        livemode=connection.livemode,
        connection=connection,
        amount=payable,
        currency=currency,
        destination=destination,
        method=Payout.Method.STANDARD,
        status=Payout.Status.PENDING,
        automatic=True,
        scheduled_for=on_date,
        arrival_date=_standard_arrival(now),
        posting=posting,
        created_at=now,
    )
    _touch(connection, now)
    record_audit(
        actor=None,
        platform=connection.platform,
        action="payout.created",
        obj=payout,
        account_public_id=connection.public_id,
        livemode=connection.livemode,
        after={
            "amount": payable,
            "currency": currency,
            "destination": destination.public_id,
            "automatic": True,
        },
    )
    return payout


def run_scheduled_payouts(*, now: datetime | None = None) -> int:
    """Pay out every account whose schedule is due today. Returns how many payouts it created."""
    now = now or timezone.now()
    candidates = (
        ledger.LedgerAccount.objects.filter(
            kind=Kind.CONNECTION,
            bucket=Bucket.AVAILABLE,
            balance__gt=0,
            connection__lifecycle_state=Connection.Lifecycle.ACTIVE,
            connection__payouts_enabled=True,
            connection__payouts_paused=False,
        )
        .exclude(connection__payout_interval=Connection.PayoutInterval.MANUAL)
        .values_list("connection_id", "currency")
        .order_by("pk")
    )
    created = 0
    for connection_id, currency in list(candidates):
        if pay_out_on_schedule(connection_id=connection_id, currency=currency, now=now) is not None:
            created += 1
    return created


# Pull funds ----------------------------------------------------------------------------------


def record_debit_consent(
    *,
    actor: Membership,
    connection: Connection,
    granted_by: str,
    granted_at: datetime,
    ip: str | None,
    consent_text_version: str | None = None,
    request_meta: dict | None = None,
) -> AccountDebitConsent:
    """Record the account holder's consent to account debits; it replaces any earlier one."""
    rules.ensure_can(actor, permissions.PULL_FUNDS)
    _check_tenant(actor, connection)
    if (refusal := rules.liability_refusal(connection, "Pull funds")) is not None:
        raise refusal
    with transaction.atomic(durable=True):
        now = timezone.now()
        AccountDebitConsent.objects.filter(connection=connection, revoked_at__isnull=True).update(
            revoked_at=now
        )
        consent = AccountDebitConsent.objects.create(
            platform=actor.platform,
            connection=connection,
            granted_by=granted_by.strip(),
            granted_at=granted_at,
            ip=ip or None,
            consent_text_version=consent_text_version or settings.MONEY_DEBIT_CONSENT_TEXT_VERSION,
            recorded_by=actor,
        )
        record_audit(
            actor=actor,
            action="debit_consent.recorded",
            obj=consent,
            account_public_id=connection.public_id,
            livemode=connection.livemode,
            after={
                "granted_by": consent.granted_by,
                "granted_at": granted_at.isoformat(),
                "consent_text_version": consent.consent_text_version,
            },
            request_meta=request_meta,
        )
    return consent


def revoke_debit_consent(
    *, actor: Membership, connection: Connection, request_meta: dict | None = None
) -> int:
    rules.ensure_can(actor, permissions.PULL_FUNDS)
    _check_tenant(actor, connection)
    with transaction.atomic(durable=True):
        revoked = AccountDebitConsent.objects.filter(connection=connection, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            record_audit(
                actor=actor,
                action="debit_consent.revoked",
                account_public_id=connection.public_id,
                livemode=connection.livemode,
                request_meta=request_meta,
            )
    return revoked


def create_account_debit(
    *,
    actor: Membership,
    connection: Connection,
    amount: int,
    idempotency_key: str,
    description: str = "",
    request_meta: dict | None = None,
    now: datetime | None = None,
) -> AccountDebit:
    """Pull funds from a platform-liable account's available balance into the platform's, in the
    account's default currency, under a recorded consent, within one region. The platform pays
    the account-debit fee (`rules.debit_fee`), booked to fee revenue.

    Raises InsufficientFunds, AccountNotEligible, ConsentMissing, FeatureDisabled,
    IdempotencyConflict, OperationNotPermitted.
    """
    rules.ensure_can(actor, permissions.PULL_FUNDS)
    _check_tenant(actor, connection)
    currency = connection.account.default_currency
    _check_currency(currency)
    amount = _check_amount(amount, currency)
    if (
        refusal := rules.debit_refusal(connection, actor.platform, rules.current_consent(connection))
    ) is not None:
        raise refusal
    fee = rules.debit_fee(amount, currency)
    platform = actor.platform
    accounts = {
        "account": ledger.connection_account(connection, currency),
        "platform": ledger.platform_account(platform, connection.livemode, currency),
        "fees": ledger.system_account(platform, connection.livemode, Kind.FEE_REVENUE, currency),
    }
    return _create_account_debit(
        actor=actor,
        platform=platform,
        connection=connection,
        amount=amount,
        fee=fee,
        currency=currency,
        idempotency_key=idempotency_key,
        description=description.strip(),
        accounts=accounts,
        request_meta=request_meta,
        now=now or timezone.now(),
    )


@transaction.atomic(durable=True)
def _create_account_debit(
    *,
    actor,
    platform,
    connection,
    amount,
    fee,
    currency,
    idempotency_key,
    description,
    accounts,
    request_meta,
    now,
) -> AccountDebit:
    params = {
        "connection": connection.public_id,
        "livemode": connection.livemode,
        "amount": amount,
        "currency": currency,
        "description": description,
    }
    claimed = idempotency.claim(
        platform=platform, key=idempotency_key, operation="account_debit.create", params=params
    )
    if claimed.is_replay:
        return claimed.result
    _touch(connection, now)
    locked = ledger.lock_in_order(*accounts.values())
    # Read under the locks: a consent revoked a moment ago must stop this debit.
    consent = rules.current_consent(connection)
    if (refusal := rules.debit_refusal(connection, platform, consent)) is not None:
        raise refusal
    name = connection.account.display_name
    available = locked[accounts["account"].pk].balance
    if available < amount:
        raise InsufficientFunds(
            f"{rules.possessive(name)} available balance is {fmt(max(available, 0), currency)}; you can pull at most that much."
        )
    platform_balance = locked[accounts["platform"].pk].balance
    if platform_balance + amount - fee < 0:
        raise InsufficientFunds(
            f"The fee of {fmt(fee, currency)} is more than the platform's balance plus the pulled amount."
        )
    debit_id = new_public_id("py_")
    draft = Draft().move(
        accounts["account"], accounts["platform"], amount, Entry.Kind.ACCOUNT_DEBIT, debit_id
    )
    if fee:
        draft.move(accounts["platform"], accounts["fees"], fee, Entry.Kind.STRIPE_FEE, debit_id)
    posting = ledger.post(
        platform=platform,
        livemode=connection.livemode,
        kind=Posting.Kind.ACCOUNT_DEBIT,
        actor=actor,
        now=now,
        description=description,
        counterparty=name,
        draft=draft,
        locked=locked,
    )
    debit = AccountDebit.objects.create(
        public_id=debit_id,
        platform=platform,
        livemode=connection.livemode,
        connection=connection,
        amount=amount,
        fee=fee,
        currency=currency,
        description=description,
        consent=consent,
        posting=posting,
        created_by=actor,
        created_at=now,
    )
    idempotency.complete(claimed, debit, "account_debit")
    record_audit(
        actor=actor,
        action="account_debit.created",
        obj=debit,
        account_public_id=connection.public_id,
        livemode=connection.livemode,
        after={"amount": amount, "fee": fee, "currency": currency, "consent": consent.public_id},
        request_meta=request_meta,
    )
    return debit
