"""Case-insensitive lookups that PostgreSQL's search indexes can serve.

`ilike_contains` (substring): Django's `icontains` compiles to `UPPER(col::text) LIKE UPPER(%s)`,
which a `gin_trgm_ops` index on the plain column cannot use. `col ILIKE %s` can.

`ilike_starts` (prefix, for searches too short to have a trigram): `lower(col) LIKE 'ab%'`, which
the `text_pattern_ops` index on `lower(col)` serves as a range.

SQLite's LIKE is already case-insensitive (for ASCII), so there both are a plain LIKE with an
escape character. Either way `%`, `_` and `\\` in the value are literal.
"""

from django.db.models import CharField, EmailField, Lookup


def _escaped(value) -> str:
    return str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _EscapedLike(Lookup):
    """`<lhs> LIKE <pattern>` with `%`, `_` and `\\` in the value literal: subclasses say how the
    column is compared (`sql`, with {lhs} and {rhs}) and what surrounds the value (`pattern`)."""

    def pattern(self, escaped: str) -> str:
        raise NotImplementedError

    def sql(self, connection) -> str:
        raise NotImplementedError

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [self.pattern(_escaped(value))])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return self.sql(connection).format(lhs=lhs, rhs=rhs), [*lhs_params, *rhs_params]


class ContainsInsensitive(_EscapedLike):
    lookup_name = "ilike_contains"

    def pattern(self, escaped: str) -> str:
        return f"%{escaped}%"

    def sql(self, connection) -> str:
        return "{lhs} " + ("ILIKE" if connection.vendor == "postgresql" else "LIKE") + " {rhs} ESCAPE '\\'"


class StartsWithInsensitive(_EscapedLike):
    lookup_name = "ilike_starts"

    def pattern(self, escaped: str) -> str:
        return f"{escaped.lower()}%"

    def sql(self, connection) -> str:
        return "lower({lhs}) LIKE {rhs} ESCAPE '\\'"


for lookup in (ContainsInsensitive, StartsWithInsensitive):
    CharField.register_lookup(lookup)
    EmailField.register_lookup(lookup)
