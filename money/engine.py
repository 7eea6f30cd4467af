"""The one executor of money operations.

Each operation in money.services *declares* what it writes, as an `Operation`: its idempotency
key, the row it locks and checks first (if any), the activity it records on a connected account,
its posting and entries, its own rows (a top-up, transfer, payout, debit, reversal), the updates
of rows it finishes, its audit events, and the balances it must not overdraw (its guards).
`execute` writes any declared operation, in this order:

1. the idempotency key — a plain INSERT: a key already used fails on the unique constraint, and
   the first request's result is returned instead (or other parameters are refused);
2. the account's activity, which also locks the connection's row;
3. the posting, the operation's own rows, updates and audit events;
4. the entries, last: inserting them applies them to the balances (a trigger, migration money
   0006), one UPDATE per ledger account in primary-key order, which locks the rows; a balance
   that would go negative is refused by its CHECK constraint — that refusal is the guard, and
   the engine turns it into the operation's sentence (`Guard`).

On PostgreSQL all of it goes in one pipeline (psycopg 3) with the BEGIN and the COMMIT, so the
balance rows are held from their UPDATE to the end of the COMMIT with no round trip to the client
in between; an operation that locks a row first (`Precondition`) takes one round trip for that,
before any balance is touched. Inside an atomic block (a test's; any other is refused, as
`durable=True` refuses it) the block's savepoint frames it instead. On SQLite the same statements
run one after another.

Refusals raise a MoneyError; nothing of a refused operation stays, and its key stays free.
"""

import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.db import IntegrityError, models, transaction

from accounts.models import Connection
from platform_console.audit import audit_fields
from platform_console.models import AuditEvent

from . import idempotency
from .errors import MoneyError
from .ledger import AccountKey, Draft, LedgerError, check_balanced, ensure
from .models import Entry, LedgerAccount, Posting

logger = logging.getLogger(__name__)

# Activity is kept to the minute: an operation within a minute of the recorded activity leaves the
# row alone (an UPDATE of last_activity_at writes every one of the table's indexes).
ACTIVITY_RESOLUTION = timedelta(minutes=1)
GUARD_CONSTRAINTS = frozenset({"ledger_platform_balance_not_negative", "ledger_connection_balance_not_negative"})
IDEMPOTENCY_CONSTRAINT = "idempotency_key_unique"
MISSING_ACCOUNT = "missing ledger account"  # an entry's AccountKey found no account (NOT NULL)


@dataclass(frozen=True)
class Ref:
    """A column value that is the id of the row of `model` this operation inserts earlier (its
    posting, its transfer): `Transfer(posting_id=Ref(Posting), ...)`."""

    model: type[models.Model]


SKIP = object()  # returned by a Precondition's check: the operation has nothing to do


class _KeyUsed(Exception):
    """A precondition refused, but the key was used: the first request's result answers."""


@dataclass
class Precondition:
    """A row locked (FOR UPDATE) and checked before anything is written: a top-up to settle, a
    transfer to reverse, a consent to debit under. `check(values)` gets the row's `columns` (None
    when the row is gone) and raises a MoneyError to refuse, or returns SKIP."""

    model: type[models.Model]
    pk: int
    columns: tuple[str, ...]
    check: Callable[[dict | None], Any]


@dataclass
class Guard:
    """A balance the operation must not overdraw (the CHECK constraints refuse it whatever the
    operation); `refusal(balance)` is the sentence for the operator."""

    account: LedgerAccount | AccountKey
    refusal: Callable[[int], MoneyError]


@dataclass
class Update:
    """UPDATE one row: `values` set (a value or a Ref), `add` added to the column."""

    model: type[models.Model]
    pk: int
    values: dict[str, Any] = field(default_factory=dict)
    add: dict[str, int] = field(default_factory=dict)


@dataclass
class Idempotency:
    key: str
    operation: str  # e.g. "transfer.create"
    params: dict[str, Any]


@dataclass
class Operation:
    platform_id: int
    livemode: bool
    now: datetime
    result: models.Model | None  # what `execute` returns: the operation's own row
    idempotency: Idempotency | None = None
    precondition: Precondition | None = None
    touch: Connection | None = None  # record activity on (and lock) this connection
    posting: dict[str, Any] | None = None  # Posting fields: kind, description, counterparty, actor
    draft: Draft | None = None
    rows: list[models.Model] = field(default_factory=list)  # inserted in order, after the posting
    updates: list[Update] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)  # arguments of audit_fields
    guards: list[Guard] = field(default_factory=list)
    # Other constraints a concurrent request can trip: name -> what `execute` returns instead
    # (a callable, called; it may raise).
    conflicts: dict[str, Callable[[], Any]] = field(default_factory=dict)
    after_commit: list[Callable[[], None]] = field(default_factory=list)


# A seam for the benchmark: called with (seconds from the balance rows' lock to the end of the
# COMMIT) after each committed operation on PostgreSQL, when set.
lock_window_observer: Callable[[float], None] | None = None


def execute(operation: Operation) -> Any:
    """Write the operation; returns its `result` (with its id), the first request's result on a
    replayed key, or what a precondition or conflict decided. Raises MoneyError on a refusal."""
    if operation.draft is not None:
        check_balanced(operation.draft, platform_id=operation.platform_id, livemode=operation.livemode)
    if operation.idempotency is not None:
        operation.idempotency.key = idempotency.checked_key(operation.idempotency.key)
    for attempt in range(2):
        try:
            return _run(operation)
        except (IntegrityError, _KeyUsed) as error:
            name = IDEMPOTENCY_CONSTRAINT if isinstance(error, _KeyUsed) else _constraint(error)
            if name == IDEMPOTENCY_CONSTRAINT and operation.idempotency is not None:
                replay = idempotency.replay(operation.platform_id, operation.idempotency, now=operation.now)
                if replay is idempotency.EXPIRED and attempt == 0:
                    continue  # the key's day is over: it was deleted, use it again
                return replay
            if name in GUARD_CONSTRAINTS and operation.guards:
                raise _refusal(operation) from None
            if name == MISSING_ACCOUNT and attempt == 0 and operation.draft is not None:
                for line in operation.draft.lines:  # a ledger account's first use: create it, go again
                    ensure(line.account)
                continue
            if name in operation.conflicts:
                return operation.conflicts[name]()
            raise
    raise LedgerError("an expired idempotency key could not be reused")


# --- running ---------------------------------------------------------------------------------


def _run(operation: Operation) -> Any:
    wrapper = transaction.get_connection()
    wrapper.ensure_connection()
    postgresql = wrapper.vendor == "postgresql"
    if postgresql and not wrapper.in_atomic_block:
        return _run_pipelined_transaction(wrapper, operation)
    with transaction.atomic(durable=True):
        if operation.precondition is not None and _precondition(wrapper, operation) is SKIP:
            return None
        statements = _statements(operation, postgresql=postgresql)
        if postgresql:
            results = _pipeline(wrapper, statements, framed=False)
        else:
            results = _one_by_one(wrapper, statements)
        _finish(operation, results)
        for callback in operation.after_commit:
            transaction.on_commit(callback, robust=True)
    return operation.result


def _run_pipelined_transaction(wrapper, operation: Operation) -> Any:
    """PostgreSQL in autocommit mode (a request, a task): BEGIN … COMMIT sent by the engine."""
    raw = wrapper.connection
    with wrapper.wrap_database_errors:
        try:
            if operation.precondition is not None:
                raw.execute("BEGIN")
                if _precondition(wrapper, operation) is SKIP:
                    raw.execute("ROLLBACK")
                    return None
                results = _pipeline(wrapper, _statements(operation, postgresql=True), framed="commit")
            else:
                results = _pipeline(wrapper, _statements(operation, postgresql=True), framed="begin")
        except BaseException:
            if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                raw.execute("ROLLBACK")
            raise
    _finish(operation, results)
    for callback in operation.after_commit:
        try:
            callback()
        except Exception:  # as on_commit(robust=True): the money has moved; log and go on
            logger.exception("after-commit work of a money operation failed")
    return operation.result


def _precondition(wrapper, operation: Operation) -> Any:
    """Lock and check the operation's first row. A key already used wins over the check: a replay
    of a reversal whose transfer is now fully reversed still returns the first reversal."""
    pre = operation.precondition
    meta = pre.model._meta
    qn = wrapper.ops.quote_name
    columns = [meta.get_field(name).column for name in pre.columns]
    lock = " FOR UPDATE" if wrapper.vendor == "postgresql" else ""
    with wrapper.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(meta.db_table)} WHERE {qn(meta.pk.column)} = %s{lock}",
            [pre.pk],
        )
        row = cursor.fetchone()
    values = None if row is None else dict(zip(pre.columns, row, strict=True))
    try:
        return pre.check(values)
    except MoneyError:
        if operation.idempotency is not None and idempotency.used(operation.platform_id, operation.idempotency.key):
            raise _KeyUsed from None  # the key's first request answers
        raise


def _finish(operation: Operation, results: dict[type[models.Model], int]) -> None:
    """The ids the database gave the operation's rows (by model: one row of each), onto the
    instances, and into the columns that held a Ref."""
    for row in operation.rows:
        row.pk = results[type(row)]
        for f in row._meta.concrete_fields:
            value = getattr(row, f.attname)
            if isinstance(value, Ref):
                setattr(row, f.attname, results[value.model])
        row._state.adding = False
        row._state.db = transaction.get_connection().alias


# --- statements ------------------------------------------------------------------------------


@dataclass
class Statement:
    table: str
    kind: str  # "insert", "update", "touch", "lock"
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)  # values; a Ref where a row's id goes
    pk: int | None = None
    add: dict[str, int] = field(default_factory=dict)
    returns: type[models.Model] | None = None  # its id goes into the results under this model
    params: list = field(default_factory=list)


def _statements(operation: Operation, *, postgresql: bool) -> list[Statement]:
    statements: list[Statement] = []
    if operation.idempotency is not None:
        claimed = idempotency.row_for(operation.platform_id, operation.idempotency, operation.result, operation.now)
        statements.append(_insert(claimed))
    if operation.touch is not None:
        connection = operation.touch
        before = operation.now - ACTIVITY_RESOLUTION
        statements.append(Statement(Connection._meta.db_table, "touch", pk=connection.pk, params=[operation.now, before]))
        if postgresql:
            statements.append(Statement(Connection._meta.db_table, "lock", pk=connection.pk))
        if connection.last_activity_at is None or connection.last_activity_at < before:
            connection.last_activity_at = operation.now
    if operation.posting is not None:
        posting = Posting(platform_id=operation.platform_id, livemode=operation.livemode, created_at=operation.now,
                          **operation.posting)
        posting.actor_label = posting.actor.user.email if posting.actor else "system"
        posting.description, posting.counterparty = posting.description[:200], posting.counterparty[:200]
        statements.append(_insert(posting, returns=Posting))
    if len({type(row) for row in operation.rows}) != len(operation.rows):
        raise LedgerError("an operation inserts at most one row of each model (a Ref names it by model)")
    for row in operation.rows:
        statements.append(_insert(row, returns=type(row)))
    for update in operation.updates:
        meta = update.model._meta
        columns = [meta.get_field(name).column for name in update.values]
        values = [_prep(meta.get_field(name), value) for name, value in update.values.items()]
        statements.append(Statement(meta.db_table, "update", columns=columns, rows=[values], pk=update.pk,
                                    add={meta.get_field(n).column: v for n, v in update.add.items()}))
    for audit in operation.audits:
        statements.append(_insert(AuditEvent(**audit_fields(**audit))))
    if operation.draft is not None:
        statements.append(_entries(operation))
    return statements


def _entries(operation: Operation) -> Statement:
    """One INSERT of all the posting's entries, in ledger-account order and, per account, credits
    first (applied per row on SQLite, a balance never dips below where it ends)."""
    lines = sorted(operation.draft.lines, key=lambda line: (_order(line.account), -line.amount))
    meta = Entry._meta
    names = ["platform", "posting", "ledger_account", "kind", "amount", "currency", "source_id", "created_at"]
    fields = [meta.get_field(name) for name in names]
    adapt = transaction.get_connection().vendor != "postgresql"  # psycopg takes these values as they are
    rows = []
    for line in lines:
        values = [operation.platform_id, Ref(Posting), _account(line.account), line.kind, line.amount,
                  line.account.currency, line.source_id, operation.now]
        rows.append([_prep(f, v) for f, v in zip(fields, values, strict=True)] if adapt else values)
    return Statement(meta.db_table, "insert", columns=[f.column for f in fields], rows=rows)


@dataclass(frozen=True)
class Lookup:
    """A column value that is a subquery (a ledger account's id by its key)."""

    sql: str
    params: tuple


def _account(account: LedgerAccount | AccountKey) -> int | Lookup:
    if isinstance(account, AccountKey):
        sql, params = account.lookup()
        return Lookup(sql, tuple(params))
    return account.pk


def _order(account: LedgerAccount | AccountKey) -> tuple:
    if account.pk is not None:
        return (0, account.pk, ())
    return (1, 0, (account.platform_id, account.livemode, account.kind, account.currency, account.bucket,
                   account.connection_id or 0))


def _insert(instance: models.Model, returns: Any = None) -> Statement:
    columns, getters = _insertable(type(instance), transaction.get_connection().vendor)
    values = []
    for get in getters:
        values.append(get(instance))
    return Statement(instance._meta.db_table, "insert", columns=columns, rows=[values], returns=returns)


_getters: dict[tuple, tuple[list[str], list[Callable[[models.Model], Any]]]] = {}


def _insertable(model: type[models.Model], vendor: str) -> tuple[list[str], list[Callable[[models.Model], Any]]]:
    """The columns an INSERT of `model` writes, and for each how to read its value off an instance:
    fields that fill themselves in (public ids, auto_now) through pre_save, values psycopg can't
    take as they are (JSON, addresses; every value on SQLite) through get_db_prep_save, the rest
    as they are. Built once per model: a transfer writes four rows of sixty columns."""
    key = (model, vendor)
    if key not in _getters:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        _getters[key] = ([f.column for f in fields], [_getter(f, vendor) for f in fields])
    return _getters[key]


def _getter(f: models.Field, vendor: str) -> Callable[[models.Model], Any]:
    fills_in = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) or hasattr(f, "prefix")
    adapts = vendor != "postgresql" or isinstance(f, models.JSONField | models.GenericIPAddressField)

    def get(instance: models.Model) -> Any:
        value = f.pre_save(instance, add=True) if fills_in else getattr(instance, f.attname)
        return _prep(f, value) if adapts else value

    return get


def _prep(f: models.Field, value: Any) -> Any:
    if isinstance(value, Ref | Lookup) or value is None:
        return value
    return f.get_db_prep_save(value, transaction.get_connection())


def _render(statement: Statement, resolve: Callable[[Ref], tuple[str, list]]) -> tuple[str, list]:
    qn = transaction.get_connection().ops.quote_name
    table = qn(statement.table)
    if statement.kind == "touch":
        sql = f"UPDATE {table} SET last_activity_at = %s WHERE id = %s AND (last_activity_at IS NULL OR last_activity_at < %s)"
        return sql, [statement.params[0], statement.pk, statement.params[1]]
    if statement.kind == "lock":
        return f"SELECT id FROM {table} WHERE id = %s FOR NO KEY UPDATE", [statement.pk]
    params: list = []

    def value(v: Any) -> str:
        if isinstance(v, Ref):
            sql, more = resolve(v)
            params.extend(more)
            return sql
        if isinstance(v, Lookup):
            params.extend(v.params)
            return v.sql
        params.append(v)
        return "%s"

    if statement.kind == "insert":
        groups = ", ".join("(" + ", ".join(value(v) for v in row) + ")" for row in statement.rows)
        returning = " RETURNING id" if statement.returns is not None else ""
        return f"INSERT INTO {table} ({', '.join(qn(c) for c in statement.columns)}) VALUES {groups}{returning}", params
    sets = [f"{qn(c)} = {value(v)}" for c, v in zip(statement.columns, statement.rows[0], strict=True)]
    sets += [f"{qn(c)} = {qn(c)} + {value(v)}" for c, v in statement.add.items()]
    params.append(statement.pk)
    return f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s", params


def _pipeline(wrapper, statements: list[Statement], *, framed: str | bool) -> dict[type[models.Model], int]:
    """Send the operation in one pipeline: framed "begin" adds BEGIN and COMMIT, "commit" only the
    COMMIT (the transaction is open), False neither. The constraint modes go first, then every
    write as one statement (`_composed`): each statement in a pipeline costs a protocol round of
    its own on both ends, about 50 µs, and a transfer has nine writes. Returns the inserted ids."""
    raw = wrapper.connection
    _allow_prepared(raw)
    settings = _constraint_modes()
    sql, params, returned = _composed(statements)
    observe = lock_window_observer if framed else None
    timed: list[psycopg.Cursor] = []
    with wrapper.wrap_database_errors, raw.pipeline():
        if framed == "begin":
            raw.execute("BEGIN")
        for setting in settings:
            psycopg.Cursor(raw).execute(setting, prepare=True)
        # Server-side binding, prepared once per connection (Django's cursors bind on the client).
        writes = psycopg.Cursor(raw)
        writes.execute(sql, params, prepare=True)
        if observe is not None:
            timed.append(raw.execute("SELECT clock_timestamp()"))  # the entries have locked the balances
        if framed:
            raw.execute("COMMIT")
            if observe is not None:
                timed.append(raw.execute("SELECT clock_timestamp()"))
    if observe is not None and len(timed) == 2:
        locked, committed = (cursor.fetchone()[0] for cursor in timed)
        observe((committed - locked).total_seconds())
    ids = writes.fetchone()
    return dict(zip(returned, ids[: len(returned)], strict=True))


ONLY_WHEN_ASKED = 2**31  # executions before psycopg would prepare a statement of its own accord


def _allow_prepared(raw: psycopg.Connection) -> None:
    """Django leaves psycopg's prepared statements off (prepare_threshold None), and then psycopg
    ignores `prepare=True` too: every money operation was planned afresh, its planning costing as
    much as running it. On, with a threshold no other query reaches, only the statements that ask
    for it (the engine's) are prepared, once per connection. Behind a pooler in transaction mode,
    that needs one that keeps prepared statements (PgBouncer 1.21+, max_prepared_statements)."""
    if raw.prepare_threshold is None:
        raw.prepare_threshold = ONLY_WHEN_ASKED


def _composed(statements: list[Statement]) -> tuple[str, dict, list[type[models.Model]]]:
    """The writes as one statement of data-modifying WITH queries, in the declared order (see
    `_compose`), with its parameters and the models whose ids it answers. The SQL is built once
    per shape of operation (the same tables, columns and references, the same values shared
    between columns) and kept: only the parameters change from one transfer to the next."""
    values = [v for statement in statements for v in _values(statement)]
    pattern, named = _deduplicated(values)
    key = (tuple(_shape(statement) for statement in statements), pattern)
    if key not in _COMPOSED:
        sql, params, returned = _compose(statements)
        assert params == values, "_values must list the parameters in the order _render writes them"
        _COMPOSED[key] = (_named(sql, pattern), returned)
    sql, returned = _COMPOSED[key]
    return sql, named, returned


_COMPOSED: dict[tuple, tuple[str, list[type[models.Model]]]] = {}


def _shape(statement: Statement) -> tuple:
    """What the SQL of a statement depends on, apart from its values."""
    def marker(v: Any) -> Any:
        return ("ref", v.model) if isinstance(v, Ref) else ("lookup", v.sql) if isinstance(v, Lookup) else None
    return (statement.kind, statement.table, tuple(statement.columns), statement.returns,
            tuple(tuple(marker(v) for v in row) for row in statement.rows), tuple(statement.add))


def _values(statement: Statement) -> list:
    """The parameters of a statement in the order `_render` writes their placeholders, a Ref being
    a subquery of the composed statement (no parameter) and a Lookup its own parameters."""
    if statement.kind == "touch":
        return [statement.params[0], statement.pk, statement.params[1]]
    if statement.kind == "lock":
        return [statement.pk]
    out: list = []
    for row in statement.rows[: None if statement.kind == "insert" else 1]:
        for v in row:
            if isinstance(v, Lookup):
                out += v.params
            elif not isinstance(v, Ref):
                out.append(v)
    if statement.kind == "update":
        out += list(statement.add.values())
        out.append(statement.pk)
    return out


def _deduplicated(values: list) -> tuple[tuple[int, ...], dict[str, Any]]:
    """One named parameter per distinct number or time (the platform's id and the time recur in
    most writes): fewer values to send and bind, and few enough that psycopg keeps the converted
    query. Only values psycopg sends with their type: a string or a NULL is typed by where it is
    used, and one parameter can't be both a varchar and an inet. Returns the name index of each
    value and the parameters by name."""
    names: dict[tuple, int] = {}
    named: dict[str, Any] = {}
    pattern = []
    for value in values:
        key = (type(value), value) if isinstance(value, int | datetime) else None
        index = names.get(key) if key is not None else None
        if index is None:
            index = len(named)
            named[f"p{index}"] = value
            if key is not None:
                names[key] = index
        pattern.append(index)
    return tuple(pattern), named


def _compose(statements: list[Statement]) -> tuple[str, list, list[type[models.Model]]]:
    """The composed statement, with %s placeholders. A Ref is the id its row's query returns. The
    activity's conditional UPDATE and the row lock that stands in when it changes nothing form a
    pair. The balances move at the end of the statement, when the entries' trigger runs: after
    every other write, the connection's row already locked."""
    names: dict[type[models.Model], str] = {}
    parts: list[str] = []
    params: list = []
    touched = ""

    def resolve(ref: Ref) -> tuple[str, list]:
        return f"(SELECT id FROM {names[ref.model]})", []

    for index, statement in enumerate(statements):
        name = f"w{index}"
        sql, more = _render(statement, resolve)
        if statement.kind == "touch":
            touched = name
            sql += " RETURNING id"
        elif statement.kind == "lock":
            sql = sql.replace(" FOR NO KEY UPDATE", f" AND NOT EXISTS (SELECT 1 FROM {touched}) FOR NO KEY UPDATE")
        if statement.returns is not None:
            names[statement.returns] = name
        parts.append(f"{name} AS ({sql})")
        params += more
    returned = list(names)
    answer = [f"(SELECT id FROM {names[model]})" for model in returned]
    # A SELECT in WITH runs only if the query reads it: the row lock is counted.
    answer += [f"(SELECT count(*) FROM w{i})" for i, s in enumerate(statements) if s.kind == "lock"]
    return f"WITH {', '.join(parts)} SELECT {', '.join(answer) or '1'}", params, returned


def _named(sql: str, pattern: tuple[int, ...]) -> str:
    """The %s placeholders as named parameters, by the pattern of `_deduplicated`."""
    pieces = sql.split("%s")
    out = [pieces[0]]
    for index, piece in zip(pattern, pieces[1:], strict=True):
        out += [f"%(p{index})s", piece]
    return "".join(out)


def _one_by_one(wrapper, statements: list[Statement]) -> dict[type[models.Model], int]:
    results: dict[type[models.Model], int] = {}

    def resolve(ref: Ref) -> tuple[str, list]:
        return "%s", [results[ref.model]]

    with wrapper.cursor() as cursor:
        for statement in statements:
            if statement.kind == "lock":
                continue
            sql, params = _render(statement, resolve)
            cursor.execute(sql, params)
            if statement.returns is not None:
                results[statement.returns] = cursor.fetchone()[0]
    return results


_ledger_fk: dict[str, list[str]] = {}


def _constraint_modes() -> list[str]:
    """Constraints checked at each statement, not at the COMMIT that runs under the balance locks:
    the foreign keys, and the posting-balanced check (money 0006), which then runs when the entries
    are inserted, before the balances they lock. All but the entries' ledger account foreign key:
    its check takes a key-share lock on the ledger row; taken before the row is ours, while another
    posting holds it, it turns that lock into a MultiXact, which every later reader of the hot
    platform balance must resolve. At the COMMIT the row is ours and the check locks nothing new."""
    wrapper = transaction.get_connection()
    if wrapper.alias not in _ledger_fk:
        with wrapper.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass "
                "AND confrelid = %s::regclass",
                [Entry._meta.db_table, LedgerAccount._meta.db_table],
            )
            (name,) = cursor.fetchone()
        _ledger_fk[wrapper.alias] = ["SET CONSTRAINTS ALL IMMEDIATE", f"SET CONSTRAINTS {wrapper.ops.quote_name(name)} DEFERRED"]
    return _ledger_fk[wrapper.alias]


# --- refusals --------------------------------------------------------------------------------


def _constraint(error: IntegrityError) -> str:
    """The name of the constraint an IntegrityError broke, on either database."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None and diag.constraint_name:
        return diag.constraint_name
    if getattr(cause, "sqlstate", "") == "23502" and getattr(diag, "column_name", "") == "ledger_account_id":
        return MISSING_ACCOUNT
    message = str(cause or error)
    if "NOT NULL constraint failed: money_entry.ledger_account_id" in message:
        return MISSING_ACCOUNT
    if found := re.search(r"CHECK constraint failed: (\w+)", message):
        return found.group(1)
    if found := re.search(r"UNIQUE constraint failed: index '(\w+)'", message):
        return found.group(1)
    if "UNIQUE constraint failed: money_idempotencykey." in message:
        return IDEMPOTENCY_CONSTRAINT
    return ""


def _refusal(operation: Operation) -> MoneyError:
    """The guard the posting overdrew, read again now that it rolled back."""
    deltas: dict[Any, int] = defaultdict(int)
    for line in operation.draft.lines:
        deltas[_order(line.account)] += line.amount
    balances = {_order(g.account): ensure(g.account).balance for g in operation.guards}
    for guard in operation.guards:
        balance = balances[_order(guard.account)]
        if balance + deltas[_order(guard.account)] < 0:
            return guard.refusal(balance)
    guard = operation.guards[0]  # moved since: say what it was short of then
    return guard.refusal(balances[_order(guard.account)])
