"""Support cases an account raises with provider support, and their conversation (domain.md §3.16).

A case belongs to one Connection (the account as connected to one platform, in one mode); the
platform may read it only under the visibility rules of `selectors.case_visibility`. Messages come
from three authors: the account, provider support, and the platform's team. Platform messages are
private context for provider support and are never shown to the account.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from platform_console.ids import PublicIdField


class SupportCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WAITING_ON_ACCOUNT = "waiting_on_account", "Waiting on account"
        WAITING_ON_PROVIDER = "waiting_on_provider", "Waiting on provider"
        CLOSED = "closed", "Closed"

    class Category(models.TextChoices):
        ACCOUNT = "account", "Account and verification"
        PAYMENTS = "payments", "Payments"
        PAYOUTS = "payouts", "Payouts"
        DISPUTES = "disputes", "Disputes and refunds"
        FEES = "fees", "Fees and billing"
        TECHNICAL = "technical", "Technical issue"
        OTHER = "other", "Something else"

    public_id = PublicIdField(prefix="case_")
    # Tenant key (architecture.md: every tenant-owned table carries platform_id); always equal to
    # connection.platform_id, stored so every query can be scoped by it without a join.
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.CASCADE, related_name="+")
    # PROTECT: a case is the provider's record of a conversation with the account; deleting a
    # connection row must not silently take that history with it.
    connection = models.ForeignKey(
        "accounts.Connection", on_delete=models.PROTECT, related_name="support_cases"
    )
    subject = models.CharField(max_length=200)
    description = models.TextField()  # the account's opening message, as typed (rendered escaped)
    category = models.CharField(max_length=20, choices=Category, default=Category.OTHER)
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)  # set while status is closed
    # Last activity the account can see: its messages, provider answers, status changes. Private
    # platform notes leave it alone, so they never show through on the account's side.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            # The Support cases panel: one connection's cases of the last 90 days, newest first.
            models.Index(
                fields=["platform", "connection", "-opened_at", "-id"], name="case_connection_recent"
            ),
            # The back office queue: what provider support still has to answer.
            models.Index(fields=["status", "updated_at"], name="case_status_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="case_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Message(models.Model):
    class Author(models.TextChoices):
        ACCOUNT = "account", "Account"
        PROVIDER = "provider", "Provider support"
        # Private: context the platform's team sends to provider support. Never shown to the account.
        PLATFORM = "platform", "Platform (private)"

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="messages")
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.CASCADE, related_name="+")
    author_kind = models.CharField(max_length=10, choices=Author)
    # Shown next to the message, kept as text so it survives the author: the account's name,
    # "Provider support", or the team member's name.
    author_label = models.CharField(max_length=254)
    # The team member who sent a platform message (None for the other kinds).
    membership = models.ForeignKey(
        "platform_console.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The provider staff user who answered (None for the other kinds).
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()  # plain text as typed; templates escape it and keep its line breaks
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at", "id"], name="message_by_case")]
        constraints = [
            models.CheckConstraint(
                condition=Q(author_kind="platform") | Q(membership__isnull=True),
                name="message_membership_only_platform",
            ),
            models.CheckConstraint(
                condition=Q(author_kind="provider") | Q(staff_user__isnull=True),
                name="message_staff_only_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk}"

    @property
    def is_private(self) -> bool:
        return self.author_kind == self.Author.PLATFORM
