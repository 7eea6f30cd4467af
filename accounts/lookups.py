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


class ContainsInsensitive(Lookup):
    lookup_name = "ilike_contains"

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [f"%{_escaped(value)}%"])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
        return f"{lhs} {operator} {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


class StartsWithInsensitive(Lookup):
    lookup_name = "ilike_starts"

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [f"{_escaped(str(value).lower())}%"])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"lower({lhs}) LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


for lookup in (ContainsInsensitive, StartsWithInsensitive):
    CharField.register_lookup(lookup)
    EmailField.register_lookup(lookup)
