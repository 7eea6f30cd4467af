"""Search indexes that only PostgreSQL has: trigram GIN indexes for substring search on names
and emails, and a jsonb_path_ops GIN index for metadata key:value. On SQLite the same queries
run without them (slower), so the SQL runs only on PostgreSQL."""

from django.db import migrations

from platform_console.migration_ops import postgresql_only

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS account_name_trgm ON accounts_account USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS account_legal_name_trgm ON accounts_account USING gin (legal_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS account_email_trgm ON accounts_account USING gin (email gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS connection_metadata_gin ON accounts_connection USING gin (metadata jsonb_path_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS connection_metadata_gin",
    "DROP INDEX IF EXISTS account_email_trgm",
    "DROP INDEX IF EXISTS account_legal_name_trgm",
    "DROP INDEX IF EXISTS account_name_trgm",
]


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [postgresql_only(FORWARD, BACKWARD)]
