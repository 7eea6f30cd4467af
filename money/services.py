"""Every write that moves money, each declared as a money.engine.Operation and written by the
one executor, `engine.execute`. Each operation:

- checks the actor's role (`OperationNotPermitted`, also a 403) and the domain rules that need no
  lock, here, before anything is written;
- declares its idempotency key, the row it locks and checks first (settlements, reversals,
  debits under a consent), the activity it records on the connected account, its one posting,
  its own rows, its audit events and the balances it must not overdraw (`engine.Guard`, whose
  sentence comes from money.rules);
- is written in one transaction by the engine, which returns the first result on a repeated key.

The dialogs' review steps call `preview_*`, the same checks with the balance read unlocked, so
that most refusals show before the operator confirms; the engine's guard decides at the write.
Refusals raise a MoneyError with a sentence for the operator; nothing of the operation stays.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import hooks as account_hooks
from accounts import payout_schedule
from accounts.models import Connection, ExternalAccount
from platform_console import permissions
from platform_console.audit import record_audit
from platform_console.ids import new_public_id
from platform_console.models import Membership

from . import currency as currencies
from . import engine, idempotency, ledger, magic, rules
from .engine import Guard, Idempotency, Operation, Precondition, Ref, Update
from .errors import (
    AccountNotEligible,
    DestinationNotEligible,
    InvalidAmount,
    MoneyError,
    OperationNotPermitted,
)
from .ledger import Bucket, Draft, Kind
from .models import (
    AccountDebit,
    AccountDebitConsent,
    Entry,
    Payout,
    Posting,
    TopUp,
    Transfer,
    TransferReversal,
)

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


def _after_activity(connection: Connection) -> list:
    """Activity lifts an inactivity hold at once (domain.md §7.4): once the money has moved, the
    requirements engine clears the hold and re-evaluates the account. Robust: a failure there
    must not fail a committed operation, and the daily sweep releases the hold anyway."""
    if connection.verifications_held_at is None:
        return []
    return [lambda: account_hooks.activity_while_held(connection)]


def _standard_arrival(now: datetime) -> date:
    return (now + timedelta(days=settings.MONEY_STANDARD_PAYOUT_DAYS)).date()


def _audit(actor, action: str, obj, *, livemode: bool, platform=None, account: str = "", after=None,
           request_meta=None) -> dict:
    return {"actor": actor, "platform": platform, "action": action, "obj": obj, "account_public_id": account,
            "livemode": livemode, "after": after, "request_meta": request_meta}


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
    now = now or timezone.now()
    description = description.strip()
    token = "" if livemode else (source_token or magic.TOPUP_SUCCESS_TOKEN)
    topup = TopUp(public_id=new_public_id("tu_"), platform=platform, livemode=livemode, amount=amount,
                  currency=currency, description=description, source_token=token, created_by=actor, created_at=now)
    operation = Operation(
        platform_id=platform.pk, livemode=livemode, now=now, result=topup, rows=[topup],
        idempotency=Idempotency(idempotency_key, "topup.create", {
            "livemode": livemode, "amount": amount, "currency": currency, "description": description, "token": token,
        }),
    )
    failure = magic.topup_failure_code(token) if not livemode else ""
    if failure:
        # The bank refused: the top-up is recorded as failed and nothing moves.
        topup.status, topup.failure_code = TopUp.Status.FAILED, failure
        operation.audits.append(_audit(actor, "topup.failed", topup, livemode=livemode, request_meta=request_meta,
                                       after={"amount": amount, "currency": currency, "failure_code": failure}))
        return engine.execute(operation)
    funding = ledger.system_account(platform, livemode, Kind.FUNDING_SOURCE, currency)
    target = ledger.platform_account(platform, livemode, currency, Bucket.PENDING if livemode else Bucket.AVAILABLE)
    if livemode:
        topup.status = TopUp.Status.PENDING
        topup.expected_availability_at = now + timedelta(days=settings.MONEY_TOPUP_PENDING_DAYS)
    else:
        topup.status, topup.expected_availability_at, topup.settled_at = TopUp.Status.SUCCEEDED, now, now
    topup.posting_id = Ref(Posting)
    operation.posting = {"kind": Posting.Kind.TOPUP, "actor": actor, "description": description,
                         "counterparty": "Platform bank account" if livemode else f"Test bank {token}"}
    operation.draft = Draft().move(funding, target, amount, Entry.Kind.TOPUP, topup.public_id)
    operation.audits.append(_audit(actor, "topup.created", topup, livemode=livemode, request_meta=request_meta,
                                   after={"amount": amount, "currency": currency, "status": topup.status}))
    return engine.execute(operation)


def settle_topup(*, topup_id: int, now: datetime | None = None) -> bool:
    """Make a pending live top-up available. Safe to run twice; returns True when it settled now."""
    topup = TopUp.objects.select_related("platform").filter(pk=topup_id).first()
    if topup is None or topup.status != TopUp.Status.PENDING:
        return False
    now = now or timezone.now()
    pending = ledger.platform_account(topup.platform, topup.livemode, topup.currency, Bucket.PENDING)
    available = ledger.platform_account(topup.platform, topup.livemode, topup.currency, Bucket.AVAILABLE)

    def still_pending(row):  # another worker may have settled it first
        return None if row and row["status"] == TopUp.Status.PENDING else engine.SKIP

    settled = engine.execute(Operation(
        platform_id=topup.platform_id, livemode=topup.livemode, now=now, result=topup,
        precondition=Precondition(TopUp, topup.pk, ("status",), still_pending),
        posting={"kind": Posting.Kind.TOPUP_SETTLEMENT, "actor": None, "description": topup.description,
                 "counterparty": "Top-up settled"},
        draft=Draft().move(pending, available, topup.amount, Entry.Kind.SETTLEMENT, topup.public_id),
        updates=[Update(TopUp, topup.pk, {"status": TopUp.Status.SUCCEEDED, "settled_at": now,
                                          "settlement_posting": Ref(Posting)})],
        audits=[_audit(None, "topup.succeeded", topup, platform=topup.platform, livemode=topup.livemode,
                       after={"amount": topup.amount, "currency": topup.currency})],
    ))
    return settled is not None


def settle_pending_topups(*, now: datetime | None = None) -> int:
    """Settle every pending top-up whose funds are due to be available. Returns how many settled."""
    now = now or timezone.now()
    due = TopUp.objects.filter(status=TopUp.Status.PENDING, expected_availability_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(1 for pk in list(due) if settle_topup(topup_id=pk, now=now))


# Transfers and payouts -----------------------------------------------------------------------


def _payout_lines(draft: Draft, *, balance, transit, paid_out, amount: int, public_id: str, method: str,
                  outcome: magic.PayoutOutcome, now: datetime) -> dict:
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


def _check_transfer(actor: Membership, connection: Connection, amount: Any, currency: str,
                    send_to: ExternalAccount | None) -> tuple[int, str, str | None, magic.PayoutOutcome | None]:
    """Everything about a transfer that needs no lock: (amount, currency, payout method, outcome)."""
    rules.ensure_can(actor, permissions.SEND_FUNDS)
    if send_to is not None:
        rules.ensure_can(actor, permissions.SEND_TO_EXTERNAL)
    _check_tenant(actor, connection)
    currency = _check_currency(currency)
    amount = _check_amount(amount, currency)
    if (refusal := rules.transfer_refusal(connection, currency)) is not None:
        raise refusal
    if send_to is None:
        return amount, currency, None, None
    if (refusal := rules.liability_refusal(connection, "Sending to a bank account or debit card")) is not None:
        raise refusal
    return amount, currency, *plan_payout(connection, send_to, currency)


def preview_transfer(*, actor: Membership, connection: Connection, amount: Any, currency: str,
                     send_to: ExternalAccount | None = None) -> int:
    """The review step of Send funds: every check of `create_transfer`, with the platform's balance
    read unlocked. Returns that balance; raises the refusal the transfer would meet."""
    amount, currency, _, _ = _check_transfer(actor, connection, amount, currency, send_to)
    available = ledger.platform_account(actor.platform, connection.livemode, currency).balance
    if available < amount:
        raise rules.platform_short(available, amount, currency)
    return available


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
    amount, currency, method, outcome = _check_transfer(actor, connection, amount, currency, send_to)
    platform = actor.platform
    livemode = connection.livemode
    description = description.strip()
    now = now or timezone.now()
    # By key: the engine looks the ledger accounts up in the operation's own statement.
    source, target = ledger.platform_key(platform.pk, livemode, currency), ledger.connection_key(connection, currency)
    transfer = Transfer(public_id=new_public_id("tr_"), platform=platform, livemode=livemode, connection=connection,
                        amount=amount, currency=currency, description=description, posting_id=Ref(Posting),
                        created_by=actor, created_at=now)
    draft = Draft().move(source, target, amount, Entry.Kind.TRANSFER, transfer.public_id)
    account = connection.public_id
    operation = Operation(
        platform_id=platform.pk, livemode=livemode, now=now, result=transfer, touch=connection,
        idempotency=Idempotency(idempotency_key, "transfer.create", {
            "connection": account, "livemode": livemode, "amount": amount, "currency": currency,
            "description": description, "send_to": send_to.public_id if send_to else "",
        }),
        posting={"kind": Posting.Kind.TRANSFER, "actor": actor, "description": description,
                 "counterparty": connection.account.display_name},
        draft=draft, rows=[transfer],
        audits=[_audit(actor, "transfer.created", transfer, account=account, livemode=livemode,
                       after={"amount": amount, "currency": currency}, request_meta=request_meta)],
        guards=[Guard(source, lambda available: rules.platform_short(available, amount, currency))],
        after_commit=_after_activity(connection),
    )
    if send_to is not None:
        payout = Payout(public_id=new_public_id("po_"), platform=platform, livemode=livemode, connection=connection,
                        amount=amount, currency=currency, destination=send_to, method=method,
                        transfer_id=Ref(Transfer), description=description, created_by=actor, created_at=now)
        fields = _payout_lines(draft, balance=target,
                               transit=ledger.platform_key(platform.pk, livemode, currency, Kind.PAYOUTS_IN_TRANSIT),
                               paid_out=ledger.platform_key(platform.pk, livemode, currency, Kind.PAID_OUT),
                               amount=amount, public_id=payout.public_id, method=method, outcome=outcome, now=now)
        for name, value in fields.items():
            setattr(payout, name, value)
        payout.posting_id = None if payout.status == Payout.Status.FAILED else Ref(Posting)
        operation.rows.append(payout)
        operation.audits.append(_audit(
            actor, f"payout.{'failed' if payout.status == Payout.Status.FAILED else 'created'}", payout,
            account=account, livemode=livemode, request_meta=request_meta,
            after={"amount": amount, "currency": currency, "destination": send_to.public_id, "method": method,
                   "status": payout.status, "failure_code": payout.failure_code},
        ))
    return engine.execute(operation)


def _check_payout(actor: Membership, connection: Connection, amount: Any, currency: str,
                  destination: ExternalAccount) -> tuple[int, str, str, magic.PayoutOutcome]:
    rules.ensure_can(actor, permissions.SEND_TO_EXTERNAL)
    _check_tenant(actor, connection)
    currency = _check_currency(currency)
    amount = _check_amount(amount, currency)
    if (refusal := rules.liability_refusal(connection, "Paying out on request")) is not None:
        raise refusal
    if connection.lifecycle_state != Connection.Lifecycle.ACTIVE:
        raise AccountNotEligible(f"{connection.account.display_name} is not an active account.")
    return amount, currency, *plan_payout(connection, destination, currency)


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
    amount, currency, method, outcome = _check_payout(actor, connection, amount, currency, destination)
    platform = actor.platform
    livemode = connection.livemode
    description = description.strip()
    now = now or timezone.now()
    balance = ledger.connection_account(connection, currency)
    payout = Payout(public_id=new_public_id("po_"), platform=platform, livemode=livemode, connection=connection,
                    amount=amount, currency=currency, destination=destination, method=method,
                    description=description, created_by=actor, created_at=now)
    draft = Draft()
    fields = _payout_lines(draft, balance=balance,
                           transit=ledger.system_account(platform, livemode, Kind.PAYOUTS_IN_TRANSIT, currency),
                           paid_out=ledger.system_account(platform, livemode, Kind.PAID_OUT, currency),
                           amount=amount, public_id=payout.public_id, method=method, outcome=outcome, now=now)
    for name, value in fields.items():
        setattr(payout, name, value)
    name = connection.account.display_name
    operation = Operation(
        platform_id=platform.pk, livemode=livemode, now=now, result=payout, touch=connection, rows=[payout],
        idempotency=Idempotency(idempotency_key, "payout.create", {
            "connection": connection.public_id, "livemode": livemode, "amount": amount, "currency": currency,
            "destination": destination.public_id, "description": description,
        }),
        audits=[_audit(actor, f"payout.{'failed' if payout.status == Payout.Status.FAILED else 'created'}", payout,
                       account=connection.public_id, livemode=livemode, request_meta=request_meta,
                       after={"amount": amount, "currency": currency, "destination": destination.public_id,
                              "method": method, "status": payout.status})],
        after_commit=_after_activity(connection),
    )
    if draft.lines:
        payout.posting_id = Ref(Posting)
        operation.posting = {"kind": Posting.Kind.PAYOUT, "actor": actor, "description": description,
                             "counterparty": name}
        operation.draft = draft
        operation.guards = [Guard(balance, lambda available: rules.payout_short(name, available, amount, currency))]
    elif balance.balance < amount:
        # A failed instant payout moves nothing, but is refused as the paid one would be.
        raise rules.payout_short(name, balance.balance, amount, currency)
    return engine.execute(operation)


def settle_payout(*, payout_id: int, now: datetime | None = None) -> str | None:
    """Finish an in-transit payout: paid, or failed with the funds credited back to the account's
    balance (and a failing bank account marked errored). Returns the new status, or None when
    there was nothing to do. Safe to run twice."""
    payout = (
        Payout.objects.filter(pk=payout_id)
        .select_related("platform", "destination", "connection__account")
        .first()
    )
    if payout is None or payout.status != Payout.Status.IN_TRANSIT:
        return None
    now = now or timezone.now()
    currency, livemode = payout.currency, payout.livemode
    transit = ledger.system_account(payout.platform_id, livemode, Kind.PAYOUTS_IN_TRANSIT, currency)
    outcome = magic.payout_outcome(payout.destination, livemode=livemode)
    if outcome.succeeds:
        target = ledger.system_account(payout.platform_id, livemode, Kind.PAID_OUT, currency)
        entry_kind, kind, status = Entry.Kind.PAYOUT, Posting.Kind.PAYOUT_PAID, Payout.Status.PAID
    else:
        target = ledger.connection_account(payout.connection, currency)
        entry_kind, kind, status = Entry.Kind.PAYOUT_FAILURE, Posting.Kind.PAYOUT_FAILURE, Payout.Status.FAILED
    message = Payout.FAILURE_MESSAGES.get(outcome.failure_code, "")
    updates = [Update(Payout, payout.pk, {"status": status, "closing_posting": Ref(Posting),
                                           "failure_code": outcome.failure_code, "failure_message": message,
                                           "updated_at": now})]
    if not outcome.succeeds and payout.destination.kind == ExternalAccount.Kind.BANK_ACCOUNT:
        # domain.md §3.9: a failed payout marks the bank account errored, which stops scheduled
        # payouts to it until the holder updates the details.
        updates.append(Update(ExternalAccount, payout.destination_id, {"status": ExternalAccount.Status.ERRORED}))

    def in_transit(row):  # another worker may have finished it first
        return None if row and row["status"] == Payout.Status.IN_TRANSIT else engine.SKIP

    done = engine.execute(Operation(
        platform_id=payout.platform_id, livemode=livemode, now=now, result=payout, touch=payout.connection,
        precondition=Precondition(Payout, payout.pk, ("status",), in_transit),
        posting={"kind": kind, "actor": None, "description": "" if outcome.succeeds else payout.failure_message,
                 "counterparty": payout.connection.account.display_name},
        draft=Draft().move(transit, target, payout.amount, entry_kind, payout.public_id),
        updates=updates,
        audits=[_audit(None, f"payout.{status}", payout, platform=payout.platform, account=payout.connection.public_id,
                       livemode=livemode,
                       after={"amount": payout.amount, "currency": currency, "failure_code": outcome.failure_code})],
        after_commit=_after_activity(payout.connection),
    ))
    return status if done is not None else None


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
    if Payout.objects.filter(connection=connection, currency=currency, automatic=True, scheduled_for=on_date).exists():
        return None
    balance = ledger.connection_account(connection, currency)
    # Funds are paid out oldest first: what arrived within the delay stays behind. Read unlocked:
    # should the balance drop meanwhile, the guard refuses and the next run pays what is left.
    cutoff = now - timedelta(days=delay_days(connection))
    payable = min(balance.balance, balance.balance - ledger.credits_since(balance, cutoff))
    if payable <= 0:
        return None
    payout = Payout(public_id=new_public_id("po_"), platform=connection.platform, livemode=connection.livemode,
                    connection=connection, amount=payable, currency=currency, destination=destination,
                    method=Payout.Method.STANDARD, status=Payout.Status.PENDING, automatic=True,
                    scheduled_for=on_date, arrival_date=_standard_arrival(now), posting_id=Ref(Posting),
                    created_at=now)
    transit = ledger.system_account(connection.platform, connection.livemode, Kind.PAYOUTS_IN_TRANSIT, currency)
    try:
        return engine.execute(Operation(
            platform_id=connection.platform_id, livemode=connection.livemode, now=now, result=payout,
            touch=connection, rows=[payout],
            posting={"kind": Posting.Kind.PAYOUT, "actor": None, "description": "Scheduled payout",
                     "counterparty": connection.account.display_name},
            draft=Draft().move(balance, transit, payable, Entry.Kind.PAYOUT, payout.public_id),
            audits=[_audit(None, "payout.created", payout, platform=connection.platform,
                           account=connection.public_id, livemode=connection.livemode,
                           after={"amount": payable, "currency": currency, "destination": destination.public_id,
                                  "automatic": True})],
            guards=[Guard(balance, lambda available: rules.payout_short("", available, payable, currency))],
            # A second run for the same day lost the race to the first: nothing more to pay.
            conflicts={"payout_one_automatic_per_day": lambda: None},
            after_commit=_after_activity(connection),
        ))
    except MoneyError:
        return None


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


def _check_debit(actor: Membership, connection: Connection, amount: Any) -> tuple[int, str, AccountDebitConsent]:
    rules.ensure_can(actor, permissions.PULL_FUNDS)
    _check_tenant(actor, connection)
    currency = connection.account.default_currency
    _check_currency(currency)
    amount = _check_amount(amount, currency)
    consent = rules.current_consent(connection)
    if (refusal := rules.debit_refusal(connection, actor.platform, consent)) is not None:
        raise refusal
    return amount, currency, consent


def preview_account_debit(*, actor: Membership, connection: Connection, amount: Any) -> dict:
    """The review step of Pull funds: every check of `create_account_debit`, with the balances read
    unlocked. Returns the amounts the dialog shows; raises the refusal the debit would meet."""
    amount, currency, _ = _check_debit(actor, connection, amount)
    fee = rules.debit_fee(amount, currency)
    available = ledger.connection_account(connection, currency).balance
    platform_available = ledger.platform_account(actor.platform, connection.livemode, currency).balance
    if available < amount:
        raise rules.pull_short(connection.account.display_name, available, currency)
    if platform_available + amount - fee < 0:
        raise rules.fee_short(fee, currency)
    return {"amount": amount, "fee": fee, "net": amount - fee, "account_after": available - amount,
            "platform_after": platform_available + amount - fee}


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
    try:
        amount, currency, consent = _check_debit(actor, connection, amount)
    except MoneyError:
        if actor.can(permissions.PULL_FUNDS) and (
            first := idempotency.first_result(actor.platform_id, idempotency_key, "account_debit.create")
        ):
            return first
        raise
    fee = rules.debit_fee(amount, currency)
    platform = actor.platform
    livemode = connection.livemode
    description = description.strip()
    now = now or timezone.now()
    account = ledger.connection_account(connection, currency)
    platform_account = ledger.platform_account(platform, livemode, currency)
    debit = AccountDebit(public_id=new_public_id("py_"), platform=platform, livemode=livemode, connection=connection,
                         amount=amount, fee=fee, currency=currency, description=description, consent=consent,
                         posting_id=Ref(Posting), created_by=actor, created_at=now)
    draft = Draft().move(account, platform_account, amount, Entry.Kind.ACCOUNT_DEBIT, debit.public_id)
    if fee:
        fees = ledger.system_account(platform, livemode, Kind.FEE_REVENUE, currency)
        draft.move(platform_account, fees, fee, Entry.Kind.STRIPE_FEE, debit.public_id)

    def consent_stands(row):  # a consent revoked a moment ago must stop this debit
        if row is None or row["revoked_at"] is not None:
            raise rules.debit_refusal(connection, platform, None)

    name = connection.account.display_name
    return engine.execute(Operation(
        platform_id=platform.pk, livemode=livemode, now=now, result=debit, touch=connection, rows=[debit],
        idempotency=Idempotency(idempotency_key, "account_debit.create", {
            "connection": connection.public_id, "livemode": livemode, "amount": amount, "currency": currency,
            "description": description,
        }),
        precondition=Precondition(AccountDebitConsent, consent.pk, ("revoked_at",), consent_stands),
        posting={"kind": Posting.Kind.ACCOUNT_DEBIT, "actor": actor, "description": description, "counterparty": name},
        draft=draft,
        audits=[_audit(actor, "account_debit.created", debit, account=connection.public_id, livemode=livemode,
                       after={"amount": amount, "fee": fee, "currency": currency, "consent": consent.public_id},
                       request_meta=request_meta)],
        guards=[Guard(account, lambda available: rules.pull_short(name, available, currency)),
                Guard(platform_account, lambda available: rules.fee_short(fee, currency))],
        after_commit=_after_activity(connection),
    ))


# Transfer reversals --------------------------------------------------------------------------


def _check_reversal(actor: Membership, transfer: Transfer, amount: Any, reason: str) -> int:
    rules.ensure_can(actor, permissions.REVERSE_TRANSFERS)
    _check_tenant(actor, transfer.connection)
    if transfer.livemode != transfer.connection.livemode or transfer.platform_id != actor.platform_id:
        raise OperationNotPermitted("This transfer is not your platform's.")
    amount = transfer.reversible_amount if amount is None else _check_amount(amount, transfer.currency)
    if amount <= 0 or amount > transfer.reversible_amount:
        raise rules.reversal_too_large(transfer.reversible_amount, transfer.currency)
    if reason not in TransferReversal.Reason.values:
        raise InvalidAmount("Choose a reason for the reversal.", field="reason")
    return amount


def preview_reversal(*, actor: Membership, transfer: Transfer, amount: Any, reason: str) -> dict:
    """The review step of Reverse transfer: every check of `reverse_transfer`, with the account's
    balance read unlocked. Returns the amounts the dialog shows; raises the refusal it would meet."""
    amount = _check_reversal(actor, transfer, amount, reason)
    currency = transfer.currency
    available = ledger.connection_account(transfer.connection, currency).balance
    if available < amount:
        raise rules.reversal_short(transfer.connection.account.display_name, available, amount, currency)
    platform_available = ledger.platform_account(actor.platform, transfer.livemode, currency).balance
    return {"amount": amount, "account_after": available - amount, "platform_after": platform_available + amount,
            "reversed_after": transfer.amount_reversed + amount}


def reverse_transfer(
    *,
    actor: Membership,
    transfer: Transfer,
    amount: int | None = None,
    reason: str = TransferReversal.Reason.OTHER,
    description: str = "",
    idempotency_key: str,
    request_meta: dict | None = None,
    now: datetime | None = None,
) -> TransferReversal:
    """Take back part or all (`amount` None) of a transfer: the connected account's available
    balance -> the platform's. The reversals of a transfer never sum to more than it; refused
    when the account's balance doesn't cover it. Raises InsufficientFunds, InvalidAmount,
    IdempotencyConflict, OperationNotPermitted."""
    try:
        amount = _check_reversal(actor, transfer, amount, reason)
    except MoneyError:
        if actor.can(permissions.REVERSE_TRANSFERS) and (
            first := idempotency.first_result(actor.platform_id, idempotency_key, "transfer_reversal.create")
        ):
            return first
        raise
    connection, currency = transfer.connection, transfer.currency
    platform = actor.platform
    livemode = transfer.livemode
    description = description.strip()
    now = now or timezone.now()
    account = ledger.connection_account(connection, currency)
    platform_account = ledger.platform_account(platform, livemode, currency)
    reversal = TransferReversal(public_id=new_public_id("trr_"), platform=platform, livemode=livemode,
                                transfer=transfer, connection=connection, amount=amount, currency=currency,
                                reason=reason, description=description, posting_id=Ref(Posting), created_by=actor,
                                created_at=now)

    after = {"transfer": transfer.public_id, "amount": amount, "currency": currency, "reason": reason}

    def within_transfer(row):  # checked on the locked transfer: two reversals at once can't exceed it
        reversible = row["amount"] - row["amount_reversed"]
        if amount > reversible:
            raise rules.reversal_too_large(reversible, currency)
        after["amount_reversed"] = row["amount_reversed"] + amount  # the running total, as it is locked

    name = connection.account.display_name
    result = engine.execute(Operation(
        platform_id=platform.pk, livemode=livemode, now=now, result=reversal, touch=connection, rows=[reversal],
        idempotency=Idempotency(idempotency_key, "transfer_reversal.create", {
            "transfer": transfer.public_id, "amount": amount, "reason": reason, "description": description,
        }),
        precondition=Precondition(Transfer, transfer.pk, ("amount", "amount_reversed"), within_transfer),
        posting={"kind": Posting.Kind.TRANSFER_REVERSAL, "actor": actor, "description": description,
                 "counterparty": name},
        draft=Draft().move(account, platform_account, amount, Entry.Kind.TRANSFER_REVERSAL, reversal.public_id),
        updates=[Update(Transfer, transfer.pk, add={"amount_reversed": amount})],
        audits=[_audit(actor, "transfer.reversed", reversal, account=connection.public_id, livemode=livemode,
                       request_meta=request_meta, after=after)],
        guards=[Guard(account, lambda available: rules.reversal_short(name, available, amount, currency))],
        after_commit=_after_activity(connection),
    ))
    if result is reversal:
        transfer.amount_reversed = after["amount_reversed"]
    return result


