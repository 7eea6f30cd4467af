"""Administrators see the platform's undelivered emails and send them again (Settings › Emails).

Every role that manages the team (Administrator, and any back-office role made like it) gets the
new permission.
"""

from django.db import migrations

from platform_console.migration_ops import grant_permission


class Migration(migrations.Migration):
    dependencies = [("platform_console", "0008_outbox_retry_schedule")]

    operations = [grant_permission("emails.manage", to=lambda role: "team.manage" in role.permissions)]
