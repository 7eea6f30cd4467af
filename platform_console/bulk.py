"""Writing many rows of a table in a fixed number of statements, from plain tuples.

The sweeps write a thousand accounts' results and audit events per transaction. Django's
`bulk_update` builds a CASE expression per field and row, and `bulk_create` a model instance per
row; at that size building them took longer than PostgreSQL took to run them, and so did sending
the values as parameters of one long statement (psycopg splits it, value by value, on the
client). Here the rows go in with COPY on PostgreSQL (into a temporary table where they are to
be merged), and set-based statements apply them; SQLite, the embedded mode, gets plain INSERTs.
These functions know nothing of the rows' meaning.
"""

import json
from collections.abc import Sequence

from django.db import connection as db
from django.db import models, transaction


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """INSERT the rows, each the values of `fields` (foreign keys by their id)."""
    if not rows:
        return
    with db.cursor() as cursor:
        _copy_in(cursor, model._meta.db_table, [model._meta.get_field(name) for name in fields], rows)


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """Write each row, given as (pk, value of each of `fields`), onto the row of that pk."""
    if not rows:
        return
    qn = db.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    columns = [qn(model._meta.get_field(name).column) for name in fields]
    with transaction.atomic(savepoint=False), db.cursor() as cursor:
        staged = _stage(cursor, model, [model._meta.pk.name, *fields], rows)
        cursor.execute(
            f"UPDATE {table} SET {', '.join(f'{c} = {staged}.{c}' for c in columns)} "
            f"FROM {staged} WHERE {table}.{pk} = {staged}.{pk}"
        )
        cursor.execute(f"DROP TABLE {staged}")


def sync_rows(model: type[models.Model], *, key: Sequence[str], fields: Sequence[str], rows: Sequence[tuple],
              scope: str, scope_ids: Sequence[int], extra: Sequence[str] = ()) -> None:
    """Make the rows of `model` whose `scope` (a foreign key) is one of `scope_ids` exactly `rows`,
    each given as the values of `key`, `fields` and `extra`: rows whose `fields` differ are
    updated, missing ones inserted (with `extra`, written only then), others deleted. Rows that
    are already as given are not written."""
    if not scope_ids:
        return
    qn = db.ops.quote_name
    table = qn(model._meta.db_table)
    keys = [qn(model._meta.get_field(name).column) for name in key]
    values = [qn(model._meta.get_field(name).column) for name in fields]
    more = [qn(model._meta.get_field(name).column) for name in extra]
    scoped = qn(model._meta.get_field(scope).column)
    distinct = "IS DISTINCT FROM" if db.vendor == "postgresql" else "IS NOT"
    with transaction.atomic(savepoint=False), db.cursor() as cursor:
        staged = _stage(cursor, model, [*key, *fields, *extra], rows)
        same_key = " AND ".join(f"{table}.{k} = {staged}.{k}" for k in keys)
        cursor.execute(
            f"UPDATE {table} SET {', '.join(f'{v} = {staged}.{v}' for v in values)} FROM {staged} "
            f"WHERE {same_key} AND ({' OR '.join(f'{table}.{v} {distinct} {staged}.{v}' for v in values)})"
        )
        listed = ", ".join(keys + values + more)
        cursor.execute(
            f"INSERT INTO {table} ({listed}) SELECT {', '.join(f'{staged}.{c}' for c in keys + values + more)} "
            f"FROM {staged} WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {same_key})"
        )
        one_of, ids = _one_of(scope_ids)
        cursor.execute(
            f"DELETE FROM {table} WHERE {scoped} {one_of} AND NOT EXISTS (SELECT 1 FROM {staged} WHERE {same_key})",
            ids,
        )
        cursor.execute(f"DROP TABLE {staged}")


def _one_of(ids: Sequence[int]) -> tuple[str, list]:
    """SQL and parameters for "is one of `ids`" (as platform_console.lookups.OneOf writes it)."""
    if db.vendor == "postgresql":
        return "= ANY(%s)", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _stage(cursor, model: type[models.Model], names: Sequence[str], rows: Sequence[tuple]) -> str:
    """A temporary table with the model's columns `names`, holding `rows`; returns its name."""
    qn = db.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    staged = f"staged_{model._meta.db_table}"
    source = f"SELECT {', '.join(qn(f.column) for f in fields)} FROM {qn(model._meta.db_table)}"
    if db.vendor == "postgresql":
        cursor.execute(f"CREATE TEMPORARY TABLE {qn(staged)} ON COMMIT DROP AS {source} WITH NO DATA")
    else:
        cursor.execute(f"CREATE TEMPORARY TABLE {qn(staged)} AS {source} WHERE 0")
    _copy_in(cursor, staged, fields, rows)
    return qn(staged)


def _copy_in(cursor, table: str, fields: list[models.Field], rows: Sequence[tuple]) -> None:
    qn = db.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    if db.vendor == "postgresql":
        encoders = [_encoder(f) for f in fields]
        with cursor.cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([value if encode is None or value is None else encode(value)
                                for encode, value in zip(encoders, row, strict=True)])
        return
    limit = db.features.max_query_params or len(rows) * len(fields)
    per_insert = max(1, limit // len(fields))
    row_placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for start in range(0, len(rows), per_insert):
        chunk = rows[start:start + per_insert]
        cursor.execute(
            f"INSERT INTO {qn(table)} ({columns}) VALUES {', '.join([row_placeholders] * len(chunk))}",
            [None if value is None else field.get_db_prep_save(value, db)
             for row in chunk for field, value in zip(fields, row, strict=True)],
        )


def _encoder(field: models.Field):
    """How COPY receives a value of the field: JSON as its text; the rest as psycopg adapts it."""
    if isinstance(field, models.JSONField):
        # The same few lists (a requirement's capabilities, its alternatives) recur on most rows:
        # each is encoded once per COPY.
        encoded: dict = {}

        def encode(value):
            key = tuple(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else None
            if key is None:
                return json.dumps(value, cls=field.encoder)
            if key not in encoded:
                encoded[key] = json.dumps(value, cls=field.encoder)
            return encoded[key]

        return encode
    return None
