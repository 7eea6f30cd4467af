"""Contact support needs its own permission, which View only does not hold.

Until now any member who could see an account could file a ticket to provider support in the
platform's name. Every role that could see accounts keeps that ability (back-office roles
included), except View only, whose members only read. The permission belongs to the contact-
support feature of this app, so this app's migration grants it.
"""

from django.db import migrations

PERMISSION = "support_tickets.file"
COULD_FILE_BEFORE = "accounts.view"


def grant(apps, schema_editor):
    Role = apps.get_model("platform_console", "Role")
    for role in Role.objects.exclude(slug="view_only"):
        if COULD_FILE_BEFORE in role.permissions and PERMISSION not in role.permissions:
            role.permissions = sorted([*role.permissions, PERMISSION])
            role.save(update_fields=["permissions"])


def revoke(apps, schema_editor):
    Role = apps.get_model("platform_console", "Role")
    for role in Role.objects.all():
        if PERMISSION in role.permissions:
            role.permissions = [p for p in role.permissions if p != PERMISSION]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [
        ("requirements_engine", "0001_initial"),
        ("platform_console", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
