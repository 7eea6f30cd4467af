import uuid

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platform_console", "0007_operator_sessions_and_sign_in_by_address"),
    ]

    operations = [
        # Rows already pending become due at once.
        migrations.AddField(
            model_name="outboxemail",
            name="next_attempt_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        # Rows already in the table share the one uuid this computes; their ids, which the
        # Message-ID carries beside it, keep their Message-IDs apart.
        migrations.AddField(
            model_name="outboxemail",
            name="message_uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="link_erased_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="outboxemail",
            index=models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
        ),
    ]
