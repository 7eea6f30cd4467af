"""`<field>__one_of=[ids]`: membership in a list of ids, sent as one array on PostgreSQL.

The sweeps filter by a thousand ids at a time in every statement of a batch. `__in` spells out
one placeholder per id, which Django prepares value by value and psycopg then splits on the
client, id by id: at that size both took longer than PostgreSQL took to answer. `= ANY(%s)` with
the list as one array parameter costs neither. Elsewhere (SQLite) it is `__in`.
"""

from django.db.models import AutoField, BigAutoField, BigIntegerField, ForeignKey, IntegerField, Lookup
from django.db.models.lookups import In


class OneOf(Lookup):
    lookup_name = "one_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, self.rhs).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, [int(value) for value in self.rhs]]


for field in (AutoField, BigAutoField, IntegerField, BigIntegerField, ForeignKey):
    field.register_lookup(OneOf)
