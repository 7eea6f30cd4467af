"""The ledger's mechanics: finding ledger accounts, locking them, posting, and proving the books.

Services use these inside one `transaction.atomic(durable=True)` block per operation:
`lock_in_order` first, then the checks on the locked rows, then exactly one `post`.

A busy operation can split `post` in two, so that the rows every operation of a platform must
lock (the platform's balance) stay locked for as short a time as possible: `record` writes the
posting and its entries first, unlocked (nobody sees them before the commit); then
`lock_in_order`, the checks, and `apply`, which changes the balances in one UPDATE. The rows
are then locked only for the checks, that UPDATE and the commit.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import psycopg
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Case, F, OuterRef, Subquery, Sum, Value, When
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


_FIELDS = [f.attname for f in LedgerAccount._meta.concrete_fields]
LOCK_SQL = (
    f"SELECT {', '.join(f.column for f in LedgerAccount._meta.concrete_fields)} "
    f"FROM {LedgerAccount._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE"
)
APPLY_SQL = (
    f"UPDATE {LedgerAccount._meta.db_table} AS a SET balance = a.balance + d.delta "
    "FROM unnest(%s::bigint[], %s::bigint[]) AS d(id, delta) WHERE a.id = d.id"
)


def _on_postgresql() -> bool:
    return transaction.get_connection().vendor == "postgresql"


def run_prepared(sql: str, params: list) -> list[tuple]:
    """Run `sql` in this transaction as a server-side prepared statement (PostgreSQL).

    For the few statements that run while a platform's balance row is locked: PostgreSQL plans
    a prepared statement once per connection instead of on every call, and planning an UPDATE
    of a table with many indexes takes longer than running it. These statements bypass
    Django's cursor wrapper (and its query log). Behind a pooler in transaction mode, it must
    support prepared statements (PgBouncer 1.21+ with max_prepared_statements). Errors come
    out as Django's (IntegrityError, OperationalError, ...), as from any query.
    """
    wrapper = transaction.get_connection()
    wrapper.ensure_connection()
    with wrapper.wrap_database_errors, psycopg.Cursor(wrapper.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall() if cursor.description else []


LEDGER_FK_SQL = (
    f"SELECT conname FROM pg_constraint WHERE contype = 'f' "
    f"AND conrelid = '{Entry._meta.db_table}'::regclass AND confrelid = '{LedgerAccount._meta.db_table}'::regclass"
)
_ledger_fk: dict[str, str] = {}  # database alias -> "SET CONSTRAINTS <entries' ledger FK> DEFERRED"


def check_constraints_on_write() -> None:
    """Check this transaction's foreign keys at each INSERT rather than at COMMIT (Django makes
    them deferred): the COMMIT of a posting happens while its ledger rows are locked; the checks
    need not. All but one: the entries' ledger account stays checked at COMMIT. Its check takes
    a key-share lock on the ledger row; taken before our own lock, while another posting holds
    the row, it turns the row's lock into a MultiXact, which every later reader of the hot
    platform balance must then resolve (a profile at 8 workers spent an eighth of the machine in
    GetMultiXactIdMembers). At COMMIT the row is already ours and the check locks nothing new."""
    if not _on_postgresql():
        return
    alias = transaction.get_connection().alias
    if alias not in _ledger_fk:
        ((name,),) = run_prepared(LEDGER_FK_SQL, [])
        _ledger_fk[alias] = f"SET CONSTRAINTS {transaction.get_connection().ops.quote_name(name)} DEFERRED"
    run_prepared("SET CONSTRAINTS ALL IMMEDIATE", [])
    run_prepared(_ledger_fk[alias], [])


def find_accounts(
    *,
    platform: Platform | int,
    livemode: bool,
    currency: str,
    kinds: tuple[str, ...] = (),
    connection: Connection | None = None,
) -> dict[str, LedgerAccount]:
    """The platform's available-bucket ledger accounts of `kinds` and, with `connection`, the
    connection's own (under the key "connection"), in one query; the ones missing are created as
    `platform_account` and friends would. Outside the money transaction, like them."""
    platform_id = platform if isinstance(platform, int) else platform.pk
    # Plain SQL: this runs before every transfer, and building the ORM query for it cost more
    # than running it.
    wanted = f"connection_id IS NULL AND kind IN ({', '.join(['%s'] * len(kinds))})" if kinds else "1 = 0"
    params: list = [platform_id, livemode, currency, Bucket.AVAILABLE, *kinds]
    if connection is not None:
        wanted += " OR (connection_id = %s AND kind = %s)"
        params += [connection.pk, Kind.CONNECTION]
    rows = LedgerAccount.objects.raw(
        f"SELECT * FROM {LedgerAccount._meta.db_table} "
        f"WHERE platform_id = %s AND livemode = %s AND currency = %s AND bucket = %s AND ({wanted})",
        params,
    )
    found: dict[str, LedgerAccount] = {}
    for row in rows:
        found["connection" if row.kind == Kind.CONNECTION else row.kind] = row
    lookup = {
        "platform_id": platform_id,
        "livemode": livemode,
        "currency": currency,
        "bucket": Bucket.AVAILABLE,
    }
    for kind in kinds:
        if kind not in found:
            found[kind] = _get_or_create(**lookup, kind=kind, connection=None)
    if connection is not None and "connection" not in found:
        found["connection"] = _get_or_create(**lookup, kind=Kind.CONNECTION, connection=connection)
    return found


def lock_in_order(*accounts: LedgerAccount) -> dict[int, LedgerAccount]:
    """SELECT … FOR NO KEY UPDATE every ledger account a posting touches, fresh from the database.

    Always in primary-key order: two postings that lock the same rows in opposite orders would
    deadlock. The returned rows carry the balances to check limits against. NO KEY UPDATE (the
    lock an UPDATE of the balance takes anyway) still excludes every other posting, but not the
    foreign-key checks of entries being written elsewhere, which only need the key to stay.
    """
    if not transaction.get_connection().in_atomic_block:
        raise LedgerError("lock_in_order must run inside the posting's transaction")
    ids = sorted({account.pk for account in accounts})
    if _on_postgresql():
        # The query below, prepared (see `run_prepared`): the rows it locks wait for it.
        alias = transaction.get_connection().alias
        rows = [LedgerAccount.from_db(alias, _FIELDS, row) for row in run_prepared(LOCK_SQL, [ids])]
    else:
        rows = list(LedgerAccount.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk"))
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


@dataclass
class Recorded:
    """A posting written with its entries but not yet applied to the balances (see `record`)."""

    posting: Posting
    deltas: dict[int, int]  # ledger account pk -> signed change of its balance


def record(
    *,
    platform: Platform,
    livemode: bool,
    kind: str,
    draft: Draft,
    actor: Membership | None,
    description: str = "",
    counterparty: str = "",
    now=None,
) -> Recorded:
    """Write one balanced posting and its entries without touching any balance yet: the
    operation locks its ledger accounts afterwards, checks its limits and calls `apply` in the
    same transaction (a refusal rolls the posting back with everything else).

    The lines must sum to zero per currency and stay within the platform and mode. Those are
    checked on the accounts as given, not locked: a ledger account's platform, mode and currency
    never change.
    """
    now = now or timezone.now()
    if not draft.lines:
        raise LedgerError("a posting needs lines")
    totals: dict[str, int] = defaultdict(int)
    deltas: dict[int, int] = defaultdict(int)
    for line in draft.lines:
        if line.amount == 0:
            raise LedgerError("a posting line cannot be zero")
        account = line.account
        if account.platform_id != platform.pk or account.livemode != livemode:
            raise LedgerError("a posting cannot cross platforms or modes")
        totals[account.currency] += line.amount
        deltas[account.pk] += line.amount
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
                currency=line.account.currency,
                source_id=line.source_id,
                created_at=now,
            )
            for line in draft.lines
        ]
    )
    return Recorded(posting=posting, deltas={pk: delta for pk, delta in deltas.items() if delta})


def apply(recorded: Recorded, locked: dict[int, LedgerAccount]) -> Posting:
    """Apply a recorded posting to the balances, which must be locked (`lock_in_order`) in this
    transaction. The only place balances change: one UPDATE for all of the posting's accounts."""
    for pk in recorded.deltas:
        if pk not in locked:
            raise LedgerError(f"ledger account {pk} was not locked")
    if recorded.deltas:
        if _on_postgresql():
            run_prepared(APPLY_SQL, [list(recorded.deltas), list(recorded.deltas.values())])
        else:
            change = Case(
                *[When(pk=pk, then=Value(delta)) for pk, delta in recorded.deltas.items()],
                output_field=BigIntegerField(),
            )
            LedgerAccount.objects.filter(pk__in=list(recorded.deltas)).update(balance=F("balance") + change)
        for pk, delta in recorded.deltas.items():
            locked[pk].balance += delta
    return recorded.posting


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
    """Write one balanced posting and apply it to the locked balances (`record`, then `apply`).

    Every line's ledger account must be in `locked` (locked by `lock_in_order` in this
    transaction), belong to the platform and mode, and the lines must sum to zero per currency.
    """
    fresh = Draft()
    for line in draft.lines:
        row = locked.get(line.account.pk)
        if row is None:
            raise LedgerError(f"ledger account {line.account.pk} was not locked")
        fresh.add(row, line.amount, line.kind, line.source_id)
    recorded = record(
        platform=platform,
        livemode=livemode,
        kind=kind,
        draft=fresh,
        actor=actor,
        description=description,
        counterparty=counterparty,
        now=now,
    )
    return apply(recorded, locked)


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
