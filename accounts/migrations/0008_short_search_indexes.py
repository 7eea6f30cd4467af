"""Indexes for searches that stay fast whatever is typed (issue 19), on PostgreSQL only (like
0003 and 0007):

- A search too short for a trigram (one or two characters, or no three letters or digits in a
  row: "zq", "%", "東京") matches the start of a name, legal name or email: `lower(col) LIKE
  'zq%'`, a range of these `text_pattern_ops` indexes.
- `conn_list_visible` holds the list's order for the visible connections only, so that finding
  the edge of the rows a search examines (the 1 000th or 10 000th row from a cursor) is an
  index-only scan, with no heap read per row to test `lifecycle_state`.

Built CONCURRENTLY, so the migration does not block writes on a large table.
"""

from django.db import migrations

from platform_console.migration_ops import postgresql_only

FORWARD = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS account_name_prefix ON accounts_account (lower(name) text_pattern_ops)",
    (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS account_legal_name_prefix ON accounts_account "
        "(lower(legal_name) text_pattern_ops)"
    ),
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS account_email_prefix ON accounts_account (lower(email) text_pattern_ops)",
    (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS conn_list_visible ON accounts_connection "
        "(platform_id, livemode, created_at DESC, id DESC) WHERE lifecycle_state IN ('invited', 'active', 'rejected')"
    ),
    "ANALYZE accounts_account",
]
BACKWARD = [
    "DROP INDEX CONCURRENTLY IF EXISTS conn_list_visible",
    "DROP INDEX CONCURRENTLY IF EXISTS account_email_prefix",
    "DROP INDEX CONCURRENTLY IF EXISTS account_legal_name_prefix",
    "DROP INDEX CONCURRENTLY IF EXISTS account_name_prefix",
]


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("accounts", "0007_list_counts_index_and_name_statistics")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
