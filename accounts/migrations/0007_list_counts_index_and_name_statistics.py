"""What the million-account benchmark (issue 9) showed the Connected accounts list needs, on
PostgreSQL only (like 0003):

- The status-tab counts read up to 1 001 index entries each, then a heap row per entry to test
  `lifecycle_state`, which no index held: 7 × 1 001 random heap reads per list view. A partial
  index on exactly the visible states lets every count be an index-only scan (EXPLAIN ANALYZE:
  17 ms → under 1 ms for the seven counts at a million accounts).
- Name search chose between walking the list newest first (right for a common word) and the
  trigram indexes (right for a rare one) on an estimate from the column's histogram. With the
  default 100 entries, a word in 1 % of names ("bottle") matched no entry, so it was estimated at
  100 rows instead of 10 000 and the trigram plan fetched and sorted all 10 000 (100–600 ms). 500
  entries give the planner the right order of magnitude (p95 of name searches 58 → 22 ms in SQL),
  for about a millisecond more planning.

The index is built CONCURRENTLY, so the migration does not block writes on a large table.
"""

from django.db import migrations

from platform_console.migration_ops import postgresql_only

FORWARD = [
    (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS conn_visible_status ON accounts_connection "
        "(platform_id, livemode, status) WHERE lifecycle_state IN ('invited', 'active', 'rejected')"
    ),
    (
        "ALTER TABLE accounts_account ALTER COLUMN name SET STATISTICS 500, "
        "ALTER COLUMN legal_name SET STATISTICS 500"
    ),
    "ANALYZE accounts_account",
]
BACKWARD = [
    "ALTER TABLE accounts_account ALTER COLUMN name SET STATISTICS -1, ALTER COLUMN legal_name SET STATISTICS -1",
    "DROP INDEX CONCURRENTLY IF EXISTS conn_visible_status",
]


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("accounts", "0006_requirement_summary_and_holds")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
