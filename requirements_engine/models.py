"""Persisted requirement state: the evaluation's rows, verification results, provider staff's
information requests, uploaded documents and remediation tickets."""

from django.db import models
from django.utils import timezone

from platform_console.ids import PublicIdField


class Requirement(models.Model):
    """One field's place in a connection's requirement hashes, as last evaluated. Rows are
    rewritten by requirements_engine.services.recompute; never edited by hand."""

    class Group(models.TextChoices):
        PAST_DUE = "past_due", "Past due"
        CURRENTLY_DUE = "currently_due", "Currently due"
        FUTURE = "future", "Future requirement"
        EVENTUALLY_DUE = "eventually_due", "Due later"
        PENDING_VERIFICATION = "pending_verification", "In review"

    # Tenant key (architecture.md: every tenant-owned table carries platform_id).
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey("accounts.Connection", on_delete=models.CASCADE, related_name="requirements")
    path = models.CharField(max_length=120)  # e.g. "representative.dob", "person_….verification.document"
    # The highest-ranked list the field is in (a past-due field is also currently and eventually due).
    group = models.CharField(max_length=24, choices=Group)
    currently_due = models.BooleanField(default=False)
    eventually_due = models.BooleanField(default=False)
    past_due = models.BooleanField(default=False)
    pending_verification = models.BooleanField(default=False)
    is_future = models.BooleanField(default=False)
    payouts_only = models.BooleanField(default=False)
    deadline = models.DateTimeField(null=True, blank=True)
    # When the field first became currently due: its deadline counts from here, across recomputes.
    first_due_at = models.DateTimeField(null=True, blank=True)
    capabilities = models.JSONField(default=list)  # names of the capabilities it can affect
    error_code = models.CharField(max_length=80, blank=True)
    error_reason = models.CharField(max_length=300, blank=True)
    alternatives = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "path"], name="one_requirement_per_path")]
        indexes = [models.Index(fields=["platform", "group", "deadline"], name="req_platform_group")]

    def __str__(self) -> str:
        return f"{self.path} ({self.group})"


class FieldVerification(models.Model):
    """The result of checking one submitted field. Test mode decides by magic values at once;
    live mode waits for provider staff in the back office (the review queue)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        VERIFIED = "verified", "Verified"
        FAILED = "failed", "Failed"

    platform = models.ForeignKey("platform_console.Platform", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey("accounts.Connection", on_delete=models.CASCADE, related_name="verifications")
    path = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    error_code = models.CharField(max_length=80, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    # A test-mode check that completes "asynchronously" (domain.md §10: dob 1901-01-01).
    resolves_at = models.DateTimeField(null=True, blank=True)
    resolves_to = models.CharField(max_length=10, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=254, blank=True)
    livemode = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "path"], name="one_verification_per_path")]
        indexes = [models.Index(fields=["status", "livemode", "submitted_at"], name="verification_queue")]
        verbose_name = "field verification"

    def __str__(self) -> str:
        return f"{self.path}: {self.status}"


class InformationRequest(models.Model):
    """A provider-raised item that is not a plain field (risk review, business-model review, …),
    created by provider staff in the back office (domain.md §3.6)."""

    class Kind(models.TextChoices):
        RISK_REVIEW = "risk_review", "Risk review"
        BUSINESS_MODEL_REVIEW = "business_model_review", "Business model review"
        SUPPORTABILITY = "supportability", "Supportability review"
        URL_REVIEW = "url_review", "Website review"
        APPEAL = "appeal", "Appeal"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Action required"
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        RESOLVED = "resolved", "Resolved"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    public_id = PublicIdField(prefix="ireq_")
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey("accounts.Connection", on_delete=models.CASCADE, related_name="information_requests")
    kind = models.CharField(max_length=30, choices=Kind, default=Kind.OTHER)
    status = models.CharField(max_length=15, choices=Status, default=Status.OPEN)
    title = models.CharField(max_length=200)
    question = models.TextField(help_text="What the account must answer or provide.")
    answer = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    affected_capabilities = models.JSONField(default=list, blank=True)
    # Which remediation paths the request allows: submit, remediation_link, contact_support.
    allowed_paths = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    OPEN_STATES = (Status.OPEN, Status.SUBMITTED, Status.UNDER_REVIEW)

    class Meta:
        ordering = ["due_at", "created_at"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.title}"


class Document(models.Model):
    """An identity or company document uploaded for a requirement, stored outside the static and
    public media roots and served only to authorised operators."""

    public_id = PublicIdField(prefix="file_")
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey("accounts.Connection", on_delete=models.CASCADE, related_name="documents")
    path = models.CharField(max_length=120)  # the requirement it answers, e.g. "representative.verification.document"
    file = models.FileField(upload_to="documents/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.public_id


class RemediationTicket(models.Model):
    """'Contact support' from a requirement: a ticket for provider staff, pre-filled with the
    account, the requirement and its errors."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    platform = models.ForeignKey("platform_console.Platform", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey("accounts.Connection", on_delete=models.CASCADE, related_name="+")
    requirement_path = models.CharField(max_length=120, blank=True)
    information_request = models.ForeignKey(InformationRequest, null=True, blank=True, on_delete=models.SET_NULL)
    subject = models.CharField(max_length=200)
    message = models.TextField()
    context = models.JSONField(default=dict, blank=True)  # errors and deadline at the time of filing
    filed_by = models.ForeignKey("platform_console.Membership", null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.subject


class BulkRemediation(models.Model):
    """**Send remediation links** to every account of a filtered list: the accounts are fixed when
    it starts (its items), and a Celery job works through them (requirements_engine/bulk.py)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    public_id = PublicIdField(prefix="bulkrem_")
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.CASCADE, related_name="+")
    livemode = models.BooleanField()
    created_by = models.ForeignKey("platform_console.Membership", null=True, on_delete=models.SET_NULL, related_name="+")
    filters = models.JSONField(default=dict, blank=True)  # the list's filters and search it was started from
    total = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status, default=Status.RUNNING)
    created_at = models.DateTimeField(default=timezone.now)
    progressed_at = models.DateTimeField(default=timezone.now)  # the last item done: a stalled job is resumed
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["platform", "livemode", "-created_at"], name="bulkrem_by_platform")]

    def __str__(self) -> str:
        return self.public_id


class BulkRemediationItem(models.Model):
    """One account of a bulk send. Done exactly once: its status changes in the same transaction
    as the link and the email it sends, so a retried or resumed job never sends twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(BulkRemediation, on_delete=models.CASCADE, related_name="items")
    connection = models.ForeignKey("accounts.Connection", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "connection"], name="one_item_per_account")]
        indexes = [models.Index(fields=["job", "status"], name="bulkrem_item_status")]
