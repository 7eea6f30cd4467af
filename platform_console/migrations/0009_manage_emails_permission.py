"""Administrators see the platform's undelivered emails and send them again (Settings › Emails).

Every role that manages the team (Administrator, and any back-office role made like it) gets the
new permission.
"""

from django.db import migrations

PERMISSION = "emails.manage"
GRANTED_WITH = "team.manage"


def grant(apps, schema_editor):
    Role = apps.get_model("platform_console", "Role")
    for role in Role.objects.all():
        if GRANTED_WITH in role.permissions and PERMISSION not in role.permissions:
            role.permissions = sorted([*role.permissions, PERMISSION])
            role.save(update_fields=["permissions"])


def revoke(apps, schema_editor):
    Role = apps.get_model("platform_console", "Role")
    for role in Role.objects.all():
        if PERMISSION in role.permissions:
            role.permissions = [p for p in role.permissions if p != PERMISSION]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("platform_console", "0008_outbox_retry_schedule")]

    operations = [migrations.RunPython(grant, revoke)]
