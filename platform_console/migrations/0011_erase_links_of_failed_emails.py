"""Emails given up before links were erased on failure still hold their one-time link: erase it.

From 0008 on, the bearer link ("url") leaves an email's context once it is sent or given up. Rows
that were already `failed` (or `sent`) kept it; they lose it here, and are marked so that no
retry sends them without it.
"""

from django.db import migrations
from django.utils import timezone


def erase(apps, schema_editor):
    OutboxEmail = apps.get_model("platform_console", "OutboxEmail")
    now = timezone.now()
    for email in OutboxEmail.objects.filter(status__in=["failed", "sent"]).iterator():
        if "url" in (email.context or {}):
            email.context = {key: value for key, value in email.context.items() if key != "url"}
            email.link_erased_at = now
            email.save(update_fields=["context", "link_erased_at"])


class Migration(migrations.Migration):
    dependencies = [("platform_console", "0010_outbox_lease_until")]

    operations = [migrations.RunPython(erase, migrations.RunPython.noop)]
