"""Core models: operators, platforms, team membership with roles, and the audit trail."""

import uuid
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from .ids import PublicIdField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: an operator of one or more platforms, or provider staff (is_staff)."""

    # Stored lower-case; the login form lower-cases what is typed, so sign-in ignores case.
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    # The IANA zone the console shows this member's times in (Settings → Security); blank: the
    # installation's TIME_ZONE.
    time_zone = models.CharField(max_length=64, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Provider staff: may use the back office.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]


class Platform(models.Model):
    """The business operating the console; it owns its connected accounts and its own balance."""

    class Industry(models.TextChoices):
        MARKETPLACE = "marketplace", "Marketplace"
        SOFTWARE = "software", "Software platform (SaaS)"
        CROWDFUNDING = "crowdfunding", "Crowdfunding"
        GIG_ECONOMY = "gig_economy", "On-demand services"
        OTHER = "other", "Other"

    public_id = PublicIdField(prefix="acct_")
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2; decides the account-debit region
    default_currency = models.CharField(max_length=3, default="usd")  # lowercase ISO 4217

    # Platform profile (the questionnaire a platform answers before creating accounts).
    legal_name = models.CharField(max_length=200, blank=True)
    website = models.URLField(blank=True)
    support_email = models.EmailField(blank=True)
    industry = models.CharField(max_length=20, choices=Industry, blank=True)
    business_description = models.TextField(blank=True)
    # True once every required profile field is filled in; account creation requires it.
    platform_profile_completed = models.BooleanField(default=False)

    connect_reserves_enabled = models.BooleanField(default=True)
    require_two_step_auth = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    PROFILE_REQUIRED_FIELDS = ("legal_name", "website", "support_email", "industry", "business_description")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def profile_is_filled(self) -> bool:
        return all(getattr(self, name) for name in self.PROFILE_REQUIRED_FIELDS)


class Role(models.Model):
    """A team role and what it allows. Permissions are data (domain.md §6), so a role is added
    or changed in the back office without code: the console only ever asks `can(permission)`."""

    slug = models.SlugField(max_length=40, unique=True)  # the SSO role id, e.g. "support_specialist"
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    # List of permission codes such as "accounts.create"; see platform_console.permissions.
    permissions = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place on one platform's team. Permissions are the union of the roles held."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="memberships")
    roles = models.ManyToManyField(Role, related_name="memberships")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "platform"], name="one_membership_per_platform")
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.platform}"

    @cached_property
    def permissions(self) -> frozenset[str]:
        granted: set[str] = set()
        for role in self.roles.all():  # prefetched by the middleware
            granted.update(role.permissions)
        return frozenset(granted)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def role_names(self) -> list[str]:
        return [role.name for role in self.roles.all()]


class AuditEvent(models.Model):
    """An immutable record of one state-changing action (domain.md §3.17)."""

    # Not indexed: nothing looks an event up by its id, and a unique index of random values costs
    # every event a random index page (and a full-page image of it after each checkpoint). 143
    # random bits keep the ids distinct.
    public_id = PublicIdField(prefix="evt_", unique=False)
    # Indexed by audit_platform_recent, which leads with it.
    platform = models.ForeignKey(
        Platform, on_delete=models.CASCADE, related_name="audit_events", db_index=False
    )
    actor = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Who acted, kept as text so the record survives the membership: an email, "system" or "provider".
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=80)  # e.g. "account.created"
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)  # public id of the object acted on
    # The connected account the event concerns (public acct_ id), for its Activity tab.
    account_public_id = models.CharField(max_length=40, blank=True)
    livemode = models.BooleanField(default=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    view_as_account = models.CharField(max_length=40, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["platform", "-created_at", "-id"], name="audit_platform_recent"),
            models.Index(
                fields=["platform", "account_public_id", "-created_at", "-id"], name="audit_account_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.action}"


class OutboxEmail(models.Model):
    """An email waiting to be sent, written in the same transaction as the change it reports.

    A Celery task sends it after the commit. After a failed attempt it waits for the next one on
    the retry schedule (outbox.retry_delay), which the periodic re-dispatch alone starts, so a
    broker or SMTP outage delays mail but loses none, and a rolled-back change sends nothing.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"  # the retry schedule ran out; the back office may retry it

    platform = models.ForeignKey(Platform, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    to = models.EmailField(max_length=254)
    template = models.CharField(
        max_length=100
    )  # e.g. "accounts/email/onboarding_link" (+ .txt/.html/_subject.txt)
    # What the templates need. A bearer link ("url") is kept only until the email is sent or given up.
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)  # counted when an attempt starts
    last_error = models.TextField(blank=True)
    # When a pending email may be attempted (again): the re-dispatch and the task take it only then.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When the current attempt started: it names the claim, so a late worker cannot touch a newer one.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Until when the claim holds: short, and renewed by the sending worker while it talks to the
    # server (outbox.LEASE). A claim past it is a dead worker's; the re-dispatch takes the email.
    lease_until = models.DateTimeField(null=True, blank=True)
    # With the id, the Message-ID of every attempt: the copy sent again after a worker died while
    # the server was accepting the first is recognisably the same email.
    message_uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    # Set when the bearer link in `context` was erased (once sent or given up): the email can no
    # longer be rebuilt as it was, so it is not retried.
    link_erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Kept for the operator-facing record ("Onboarding link sent to …") without the secret itself.
    subject = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="outbox_pending"),
            # The re-dispatch: pending rows whose next attempt is due.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.to} ({self.status})"


class Invitation(models.Model):
    """An invitation to join a platform's team: a one-time link emailed through the outbox (only
    a hash of its token is stored), valid for a limited time."""

    public_id = PublicIdField(prefix="inv_")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.platform}"

    def state(self, now=None) -> str:
        now = now or timezone.now()
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "pending"


class SignInAttempt(models.Model):
    """The security log: every try at a password or a code, successful or not, and every try the
    throttle refused. Not the platform's audit log: only completed sign-ins go there."""

    email = models.CharField(max_length=254)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # What the per-address throttle counts by: the IPv4 address, or the /64 an IPv6 address is in
    # (one subscriber's whole range, which a client can rotate through at will).
    address_block = models.CharField(max_length=50, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    succeeded = models.BooleanField()
    reason = models.CharField(max_length=40, blank=True)  # "password", "second_factor", "throttled"
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email", "-created_at"], name="signin_by_email"),
                   # The per-address throttle counts recent failures from one address (block).
                   models.Index(fields=["address_block", "-created_at"], name="signin_by_address")]


class OperatorSession(models.Model):
    """One signed-in browser of an operator, so that they can see their sessions and end the others.
    The session itself is Django's; this row names it and says where and when it was last used."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="operator_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="opsession_by_user")]


class ExportJob(models.Model):
    """A CSV export too long to stream in one request (more than csv_export.STREAM_LIMIT rows),
    written by a Celery job into the media storage (platform_console/exports.py); its operator is
    emailed a link when it is done. Kept EXPORT_DAYS days."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = PublicIdField(prefix="exp_")
    platform = models.ForeignKey("Platform", on_delete=models.CASCADE, related_name="+")
    livemode = models.BooleanField()
    created_by = models.ForeignKey("Membership", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=40)  # a key of platform_console.exports.EXPORTERS
    params = models.JSONField(default=dict, blank=True)  # the filters it was started with
    status = models.CharField(max_length=10, choices=Status, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)  # rows to write, counted when it started
    written = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)  # a worker is writing it (a lease: see exports.run)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="export_job_created")]

    def __str__(self) -> str:
        return self.public_id
