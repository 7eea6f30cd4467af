"""Administrators may make another person an account's representative (domain.md §7.7)."""

from django.db import migrations

PERMISSION = "persons.change_representative"


def grant(apps, schema_editor):
    Role = apps.get_model("platform_console", "Role")
    for role in Role.objects.filter(slug="admin"):
        if PERMISSION not in role.permissions:
            role.permissions = sorted([*role.permissions, PERMISSION])
            role.save(update_fields=["permissions"])


def revoke(apps, schema_editor):
    Role = apps.get_model("platform_console", "Role")
    for role in Role.objects.all():
        if PERMISSION in role.permissions:
            role.permissions = [p for p in role.permissions if p != PERMISSION]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("platform_console", "0003_outboxemail")]

    operations = [migrations.RunPython(grant, revoke)]
