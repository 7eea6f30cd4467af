"""Once created money_post_transfer(), a PL/pgSQL copy of a plain transfer's writes. Every money
operation is now written by the one executor, money.engine; migration 0006 drops the procedure
from databases that have it, and a new database never gets it. Kept, empty, for the migration
graph."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("money", "0002_posting_counterparty"),
        ("accounts", "0007_list_counts_index_and_name_statistics"),
        ("platform_console", "0005_invitations_and_sign_ins"),
    ]

    operations = []
