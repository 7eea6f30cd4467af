"""A case-insensitive substring lookup that PostgreSQL's trigram GIN indexes can serve.

Django's `icontains` compiles to `UPPER(col::text) LIKE UPPER(%s)`, which a `gin_trgm_ops` index
on the plain column cannot use. `col ILIKE %s` can. SQLite's LIKE is already case-insensitive
(for ASCII), so there it is a plain LIKE with an escape character.
"""

from django.db.models import CharField, EmailField, Lookup


class ContainsInsensitive(Lookup):
    lookup_name = "ilike_contains"

    def get_db_prep_lookup(self, value, connection):
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return ("%s", [f"%{escaped}%"])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
        return f"{lhs} {operator} {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


CharField.register_lookup(ContainsInsensitive)
EmailField.register_lookup(ContainsInsensitive)
