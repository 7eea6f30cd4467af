"""The ledger's mechanics: finding ledger accounts, the lines of a posting (`Draft`), and
proving the books. Postings are written by money.engine only."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import Connection
from platform_console.models import Platform

from .models import Entry, LedgerAccount

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


@dataclass(frozen=True)
class AccountKey:
    """A ledger account named by what identifies it rather than by its id: the engine looks the id
    up inside the operation's own statement (no round trip before it), and creates the account on
    its first use (`ensure`). Lines of a Draft take a LedgerAccount or an AccountKey."""

    platform_id: int
    livemode: bool
    kind: str
    currency: str
    bucket: str = Bucket.AVAILABLE
    connection_id: int | None = None

    pk = None

    def lookup(self) -> tuple[str, list]:
        """SQL of its id, and the parameters: one index lookup."""
        table = LedgerAccount._meta.db_table
        if self.connection_id is not None:
            return (f"(SELECT id FROM {table} WHERE connection_id = %s AND currency = %s AND bucket = %s)",
                    [self.connection_id, self.currency, self.bucket])
        sql = (f"(SELECT id FROM {table} WHERE platform_id = %s AND livemode = %s AND kind = %s "
               "AND currency = %s AND bucket = %s AND connection_id IS NULL)")
        return sql, [self.platform_id, self.livemode, self.kind, self.currency, self.bucket]


def platform_key(platform_id: int, livemode: bool, currency: str, kind: str = Kind.PLATFORM) -> AccountKey:
    return AccountKey(platform_id, livemode, kind, currency)


def connection_key(connection: Connection, currency: str) -> AccountKey:
    return AccountKey(connection.platform_id, connection.livemode, Kind.CONNECTION, currency,
                      connection_id=connection.pk)


def ensure(account: "LedgerAccount | AccountKey") -> LedgerAccount:
    """The ledger account itself, created if this is its first use."""
    if isinstance(account, LedgerAccount):
        return account
    return _get_or_create(platform_id=account.platform_id, livemode=account.livemode, kind=account.kind,
                          currency=account.currency, bucket=account.bucket, connection_id=account.connection_id)


@dataclass
class Line:
    account: "LedgerAccount | AccountKey"
    amount: int  # signed minor units; positive adds to the account's balance
    kind: str
    source_id: str = ""


@dataclass
class Draft:
    """The lines of one posting, collected before it is written."""

    lines: list[Line] = field(default_factory=list)

    def add(self, account: "LedgerAccount | AccountKey", amount: int, kind: str, source_id: str = "") -> "Draft":
        self.lines.append(Line(account, amount, kind, source_id))
        return self

    def move(self, source: "LedgerAccount | AccountKey", target: "LedgerAccount | AccountKey", amount: int, kind: str, source_id: str = ""):
        """Take `amount` from `source` and add it to `target` (two lines)."""
        self.add(source, -amount, kind, source_id)
        return self.add(target, amount, kind, source_id)


def check_balanced(draft: Draft, *, platform_id: int, livemode: bool) -> None:
    """A posting's lines must be non-zero, stay within one platform and mode, and sum to zero per
    currency. Checked before anything is written (on PostgreSQL the database checks the sum again:
    migration money 0006). A ledger account's platform, mode and currency never change, so the
    accounts as given are enough."""
    if not draft.lines:
        raise LedgerError("a posting needs lines")
    totals: dict[str, int] = defaultdict(int)
    for line in draft.lines:
        if line.amount == 0:
            raise LedgerError("a posting line cannot be zero")
        account = line.account
        if account.platform_id != platform_id or account.livemode != livemode:
            raise LedgerError("a posting cannot cross platforms or modes")
        totals[account.currency] += line.amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise LedgerError(f"posting does not sum to zero: {unbalanced}")


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
