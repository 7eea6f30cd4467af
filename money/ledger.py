"""The ledger's mechanics: finding ledger accounts, locking them, posting, and proving the books.

Services use these inside one `transaction.atomic(durable=True)` block per operation:
`lock_in_order` first, then the checks on the locked rows, then exactly one `post`.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Connection
from platform_console.models import Membership, Platform

from .models import Entry, LedgerAccount, Posting

Kind = LedgerAccount.Kind
Bucket = LedgerAccount.Bucket


class LedgerError(RuntimeError):
    """A programming error: an unbalanced posting, an unlocked account. Never shown to operators."""


def _get_or_create(**lookup) -> LedgerAccount:
    # Ledger accounts are created on first use, outside the money transaction (see `accounts_for`).
    # Two first uses at once: the loser's insert fails on the unique constraint and it reads the
    # winner's row.
    try:
        return LedgerAccount.objects.get(**lookup)
    except LedgerAccount.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(**lookup)
    except IntegrityError:
        return LedgerAccount.objects.get(**lookup)


def platform_account(platform: Platform, livemode: bool, currency: str, bucket: str = Bucket.AVAILABLE):
    return _get_or_create(
        platform=platform,
        livemode=livemode,
        kind=Kind.PLATFORM,
        connection=None,
        currency=currency,
        bucket=bucket,
    )


def connection_account(
    connection: Connection, currency: str, bucket: str = Bucket.AVAILABLE
) -> LedgerAccount:
    return _get_or_create(
        platform_id=connection.platform_id,
        livemode=connection.livemode,
        kind=Kind.CONNECTION,
        connection=connection,
        currency=currency,
        bucket=bucket,
    )


def system_account(platform: Platform | int, livemode: bool, kind: str, currency: str) -> LedgerAccount:
    platform_id = platform if isinstance(platform, int) else platform.pk
    return _get_or_create(
        platform_id=platform_id,
        livemode=livemode,
        kind=kind,
        connection=None,
        currency=currency,
        bucket=Bucket.AVAILABLE,
    )


def lock_in_order(*accounts: LedgerAccount) -> dict[int, LedgerAccount]:
    """SELECT … FOR UPDATE every ledger account a posting touches, fresh from the database.

    Always in primary-key order: two postings that lock the same rows in opposite orders would
    deadlock. The returned rows carry the balances to check limits against.
    """
    if not transaction.get_connection().in_atomic_block:
        raise LedgerError("lock_in_order must run inside the posting's transaction")
    ids = sorted({account.pk for account in accounts})
    rows = list(LedgerAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(rows) != len(ids):
        raise LedgerError("a ledger account to lock does not exist")
    return {row.pk: row for row in rows}


@dataclass
class Line:
    account: LedgerAccount
    amount: int  # signed minor units; positive adds to the account's balance
    kind: str
    source_id: str = ""


@dataclass
class Draft:
    """The lines of one posting, collected before it is written."""

    lines: list[Line] = field(default_factory=list)

    def add(self, account: LedgerAccount, amount: int, kind: str, source_id: str = "") -> "Draft":
        self.lines.append(Line(account, amount, kind, source_id))
        return self

    def move(self, source: LedgerAccount, target: LedgerAccount, amount: int, kind: str, source_id: str = ""):
        """Take `amount` from `source` and add it to `target` (two lines)."""
        self.add(source, -amount, kind, source_id)
        return self.add(target, amount, kind, source_id)


def post(
    *,
    platform: Platform,
    livemode: bool,
    kind: str,
    draft: Draft,
    locked: dict[int, LedgerAccount],
    actor: Membership | None,
    description: str = "",
    counterparty: str = "",
    now=None,
) -> Posting:
    """Write one balanced posting and apply it to the locked balances.

    The only place balances change. Every line's ledger account must be in `locked` (locked by
    `lock_in_order` in this transaction), belong to the platform and mode, and the lines must sum
    to zero per currency.
    """
    now = now or timezone.now()
    if not draft.lines:
        raise LedgerError("a posting needs lines")
    totals: dict[str, int] = defaultdict(int)
    deltas: dict[int, int] = defaultdict(int)
    for line in draft.lines:
        if line.amount == 0:
            raise LedgerError("a posting line cannot be zero")
        row = locked.get(line.account.pk)
        if row is None:
            raise LedgerError(f"ledger account {line.account.pk} was not locked")
        if row.platform_id != platform.pk or row.livemode != livemode:
            raise LedgerError("a posting cannot cross platforms or modes")
        totals[row.currency] += line.amount
        deltas[row.pk] += line.amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise LedgerError(f"posting does not sum to zero: {unbalanced}")

    posting = Posting.objects.create(
        platform=platform,
        livemode=livemode,
        kind=kind,
        description=description[:200],
        counterparty=counterparty[:200],
        actor=actor,
        actor_label=actor.user.email if actor else "system",
        created_at=now,
    )
    Entry.objects.bulk_create(
        [
            Entry(
                platform=platform,
                posting=posting,
                ledger_account_id=line.account.pk,
                kind=line.kind,
                amount=line.amount,
                currency=locked[line.account.pk].currency,
                source_id=line.source_id,
                created_at=now,
            )
            for line in draft.lines
        ]
    )
    for pk, delta in sorted(deltas.items()):
        if delta:
            LedgerAccount.objects.filter(pk=pk).update(balance=F("balance") + delta)
            locked[pk].balance += delta
    return posting


# Reads -------------------------------------------------------------------------------------


def balance_as_of(account: LedgerAccount, moment) -> int:
    """The balance of `account` just after `moment`, from its entries."""
    total = Entry.objects.filter(ledger_account=account, created_at__lte=moment).aggregate(s=Sum("amount"))[
        "s"
    ]
    return total or 0


def credits_since(account: LedgerAccount, moment) -> int:
    total = Entry.objects.filter(ledger_account=account, created_at__gt=moment, amount__gt=0).aggregate(
        s=Sum("amount")
    )["s"]
    return total or 0


@dataclass
class LedgerProblem:
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def check_ledger(*, platform: Platform | None = None) -> list[LedgerProblem]:
    """Prove the books: every stored balance equals the sum of its entries, every posting sums to
    zero per currency, every entry's currency and platform match its ledger account, and no
    platform balance is negative. Returns the problems found (none when the ledger is sound)."""
    problems: list[LedgerProblem] = []
    accounts = LedgerAccount.objects.all()
    entries = Entry.objects.all()
    if platform is not None:
        accounts = accounts.filter(platform=platform)
        entries = entries.filter(platform=platform)

    sums = (
        Entry.objects.filter(ledger_account=OuterRef("pk"))
        .order_by()
        .values("ledger_account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    mismatched = (
        accounts.annotate(entry_total=Coalesce(Subquery(sums), Value(0)))
        .exclude(balance=F("entry_total"))
        .values_list("pk", "balance", "entry_total")
    )
    for pk, balance, total in mismatched:
        problems.append(
            LedgerProblem("balance", f"ledger account {pk} holds {balance} but its entries sum to {total}")
        )

    unbalanced = (
        entries.order_by().values("posting_id", "currency").annotate(total=Sum("amount")).exclude(total=0)
    )
    for row in unbalanced:
        problems.append(
            LedgerProblem(
                "posting", f"posting {row['posting_id']} sums to {row['total']} {row['currency'].upper()}"
            )
        )

    strays = entries.exclude(currency=F("ledger_account__currency")) | entries.exclude(
        platform_id=F("ledger_account__platform_id")
    )
    for pk in strays.values_list("pk", flat=True)[:100]:
        problems.append(LedgerProblem("entry", f"entry {pk} does not match its ledger account"))

    negative = accounts.filter(kind=Kind.PLATFORM, balance__lt=0).values_list("pk", "balance")
    for pk, balance in negative:
        problems.append(LedgerProblem("negative", f"platform ledger account {pk} is negative ({balance})"))

    # Money never appears from nowhere: across all ledger accounts of one platform, mode and
    # currency the balances sum to zero (the system accounts hold the other side).
    totals = (
        accounts.order_by()
        .values("platform_id", "livemode", "currency")
        .annotate(total=Sum("balance"))
        .exclude(total=0)
    )
    for row in totals:
        problems.append(
            LedgerProblem(
                "books",
                f"platform {row['platform_id']} {'live' if row['livemode'] else 'test'} "
                f"{row['currency'].upper()} balances sum to {row['total']}",
            )
        )
    return problems
