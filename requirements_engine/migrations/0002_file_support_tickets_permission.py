"""Contact support needs its own permission, which View only does not hold.

Until now any member who could see an account could file a ticket to provider support in the
platform's name. Every role that could see accounts keeps that ability (back-office roles
included), except View only, whose members only read. The permission belongs to the contact-
support feature of this app, so this app's migration grants it.
"""

from django.db import migrations

from platform_console.migration_ops import grant_permission


def could_file_before(role) -> bool:
    return role.slug != "view_only" and "accounts.view" in role.permissions


class Migration(migrations.Migration):
    dependencies = [
        ("requirements_engine", "0001_initial"),
        ("platform_console", "0002_roles"),
    ]

    operations = [grant_permission("support_tickets.file", to=could_file_before)]
