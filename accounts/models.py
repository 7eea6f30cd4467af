"""Connected accounts, their connections to platforms, persons and capabilities."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from platform_console.ids import PublicIdField, new_public_id


class Account(models.Model):
    """A business (or individual) with an `acct_` id. It may be connected to several platforms;
    what a platform controls about it lives on its Connection."""

    class BusinessType(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        COMPANY = "company", "Company"
        NON_PROFIT = "non_profit", "Non-profit"
        GOVERNMENT_ENTITY = "government_entity", "Government entity"

    public_id = PublicIdField(prefix="acct_")
    country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2, fixed at creation
    default_currency = models.CharField(max_length=3)  # lowercase ISO 4217
    email = models.EmailField(max_length=254, blank=True)  # contact only, not a login
    business_type = models.CharField(max_length=20, choices=BusinessType, blank=True)

    # business_profile.*: the customer-facing identity
    name = models.CharField(max_length=200, blank=True)  # business_profile.name
    url = models.URLField(max_length=500, blank=True)
    mcc = models.CharField(max_length=4, blank=True)
    product_description = models.TextField(blank=True)
    support_email = models.EmailField(blank=True)
    support_phone = models.CharField(max_length=20, blank=True)
    support_url = models.URLField(max_length=500, blank=True)

    # company.* (or the individual's full name for business_type=individual)
    legal_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    address_city = models.CharField(max_length=100, blank=True)
    address_state = models.CharField(max_length=100, blank=True)
    address_postal_code = models.CharField(max_length=20, blank=True)
    tax_id_provided = models.BooleanField(default=False)  # company.tax_id is write-only
    tax_id_registrar = models.CharField(max_length=100, blank=True)  # German register court only
    legal_name_kana = models.CharField(max_length=200, blank=True)  # Japan only
    owners_provided = models.BooleanField(default=False)  # attestation: every owner of 25 % or more is listed
    directors_provided = models.BooleanField(default=False)
    vat_id_provided = models.BooleanField(default=False)

    # Support-case visibility flags (domain.md §3.16).
    is_platform = models.BooleanField(default=False)
    shares_support_cases = models.BooleanField(default=True)
    # How many platforms this account has ever been connected to.
    connected_platforms_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.display_name} ({self.public_id})"

    @property
    def display_name(self) -> str:
        return self.name or self.legal_name or self.email or self.public_id


class Connection(models.Model):
    """An account connected to one platform, in one mode, with the platform-controlled settings
    (controller properties, metadata, capabilities, links). Removing it deletes those settings;
    a later reconnection starts a fresh Connection."""

    class DashboardType(models.TextChoices):
        FULL = "full", "Full"
        EXPRESS = "express", "Express"
        NONE = "none", "None"

    class FeesPayer(models.TextChoices):
        ACCOUNT = "account", "Connected account"
        APPLICATION = "application", "Platform"
        APPLICATION_EXPRESS = "application_express", "Platform (Express)"
        APPLICATION_CUSTOM = "application_custom", "Platform (Custom)"

    class Party(models.TextChoices):
        STRIPE = "stripe", "Provider"
        APPLICATION = "application", "Platform"

    class ServiceAgreement(models.TextChoices):
        FULL = "full", "Full"
        RECIPIENT = "recipient", "Recipient"

    class Lifecycle(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"
        REMOVED = "removed", "Removed"
        REJECTED = "rejected", "Rejected"
        DELETED = "deleted", "Deleted"

    class Status(models.TextChoices):
        """The status badge (domain.md §4.1), persisted so lists can filter on it. Only
        accounts.status.derive_status decides it."""

        INVITED = "invited", "Invited"
        REJECTED = "rejected", "Rejected"
        IN_REVIEW = "in_review", "In review"
        RESTRICTED = "restricted", "Restricted"
        RESTRICTED_SOON = "restricted_soon", "Restricted soon"
        ENABLED = "enabled", "Enabled"

    class PayoutInterval(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        MANUAL = "manual", "Manual"

    class Weekday(models.TextChoices):
        MONDAY = "monday", "Monday"
        TUESDAY = "tuesday", "Tuesday"
        WEDNESDAY = "wednesday", "Wednesday"
        THURSDAY = "thursday", "Thursday"
        FRIDAY = "friday", "Friday"
        SATURDAY = "saturday", "Saturday"
        SUNDAY = "sunday", "Sunday"

    VISIBLE_STATES = (Lifecycle.INVITED, Lifecycle.ACTIVE, Lifecycle.REJECTED)

    # Tenant key: every query on this table is scoped by it (and by livemode).
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.CASCADE, related_name="connections")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="connections")
    livemode = models.BooleanField(default=False)

    # Controller properties, fixed at creation (domain.md §3.3).
    dashboard_type = models.CharField(max_length=10, choices=DashboardType, default=DashboardType.FULL)
    fees_payer = models.CharField(max_length=20, choices=FeesPayer, default=FeesPayer.ACCOUNT)
    losses_payments = models.CharField(max_length=12, choices=Party, default=Party.STRIPE)
    requirement_collection = models.CharField(max_length=12, choices=Party, default=Party.STRIPE)
    service_agreement = models.CharField(max_length=10, choices=ServiceAgreement, default=ServiceAgreement.FULL)

    lifecycle_state = models.CharField(max_length=10, choices=Lifecycle, default=Lifecycle.INVITED)
    details_submitted = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    payments_paused = models.BooleanField(default=False)
    payouts_paused = models.BooleanField(default=False)
    disabled_reason = models.CharField(max_length=60, blank=True)

    # Requirement summary, written by the requirements engine; the status badge derives from it.
    currently_due_count = models.PositiveIntegerField(default=0)
    past_due_count = models.PositiveIntegerField(default=0)
    eventually_due_count = models.PositiveIntegerField(default=0)
    pending_verification_count = models.PositiveIntegerField(default=0)
    future_due_count = models.PositiveIntegerField(default=0)
    current_deadline = models.DateTimeField(null=True, blank=True)
    under_review = models.BooleanField(default=False)  # a provider review is running
    # True when anything needs the platform's action (information request, past or currently due):
    # the list's "Actions required" filter, kept beside the counts by the requirements engine.
    actions_required = models.BooleanField(default=False)
    # Set by the daily inactivity check (no activity for 540 days): verifications are on hold.
    verifications_held_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=20, choices=Status, default=Status.INVITED)

    metadata = models.JSONField(default=dict, blank=True)

    # settings.payouts.schedule (domain.md §7.9): platform-controlled, deleted with the connection.
    payout_interval = models.CharField(max_length=10, choices=PayoutInterval, default=PayoutInterval.DAILY)
    # Days charge funds are held before becoming available; None means the country's minimum.
    payout_delay_days = models.PositiveSmallIntegerField(null=True, blank=True)
    payout_weekly_anchor = models.CharField(max_length=10, choices=Weekday, blank=True)
    payout_monthly_anchor = models.PositiveSmallIntegerField(null=True, blank=True)  # 1–31

    # tos_acceptance.* : recorded when the holder agrees to the terms (never by an operator).
    tos_accepted_at = models.DateTimeField(null=True, blank=True)
    tos_ip = models.GenericIPAddressField(null=True, blank=True)
    tos_user_agent = models.CharField(max_length=300, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    connected_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)  # last charge, transfer, payout or debit
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live connection per platform and account; a removed one does not block reconnecting.
            models.UniqueConstraint(
                fields=["platform", "account"],
                condition=~Q(lifecycle_state__in=["removed", "deleted"]),
                name="one_open_connection_per_platform",
            ),
        ]
        indexes = [
            # The Connected accounts list: newest first within one platform and mode (keyset order).
            models.Index(fields=["platform", "livemode", "-created_at", "-id"], name="conn_list"),
            models.Index(fields=["platform", "livemode", "status", "-created_at", "-id"], name="conn_list_status"),
            models.Index(
                fields=["platform", "livemode", "dashboard_type", "-created_at", "-id"], name="conn_list_access"
            ),
            # The "Actions required" and "Past due" filters: partial indexes hold only those rows.
            models.Index(
                fields=["platform", "livemode", "-created_at", "-id"],
                condition=Q(actions_required=True),
                name="conn_list_actions",
            ),
            models.Index(
                fields=["platform", "livemode", "-created_at", "-id"],
                condition=Q(past_due_count__gt=0),
                name="conn_list_past_due",
            ),
            # Sweeps: whose deadline has passed, whose activity is old.
            models.Index(fields=["current_deadline"], condition=Q(currently_due_count__gt=0), name="conn_deadline"),
            models.Index(fields=["last_activity_at"], name="conn_last_activity"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} on {self.platform_id}"

    @property
    def public_id(self) -> str:
        return self.account.public_id

    @property
    def legacy_type(self) -> str:
        controller = (self.dashboard_type, self.losses_payments, self.requirement_collection)
        if controller == ("full", "stripe", "stripe") and self.fees_payer == "account":
            return "standard"
        if controller == ("express", "application", "stripe"):
            return "express"
        if controller == ("none", "application", "application"):
            return "custom"
        return "none"

    @property
    def is_platform_liable(self) -> bool:
        return self.losses_payments == self.Party.APPLICATION

    @property
    def is_platform_collected(self) -> bool:
        return self.requirement_collection == self.Party.APPLICATION

    @property
    def nothing_outstanding(self) -> bool:
        """The Actions required list is empty: nothing due now or later, nothing upcoming or in
        review (read off the requirement summary the engine stores with each recompute)."""
        return not (self.actions_required or self.eventually_due_count or self.pending_verification_count
                    or self.future_due_count or self.under_review or self.current_deadline)


class Person(models.Model):
    """An individual tied to an account: representative, owner, director or executive."""

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", "Unverified"
        PENDING = "pending", "Pending"
        VERIFIED = "verified", "Verified"

    public_id = PublicIdField(prefix="person_")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="persons")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    first_name_kana = models.CharField(max_length=100, blank=True)  # Japan only
    last_name_kana = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    dob = models.DateField(null=True, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_city = models.CharField(max_length=100, blank=True)
    address_state = models.CharField(max_length=100, blank=True)
    address_postal_code = models.CharField(max_length=20, blank=True)
    address_country = models.CharField(max_length=2, blank=True)
    # The id number is write-only: only whether it was given and its last four characters are kept
    # here for display; the value itself never leaves the verification step.
    id_number_provided = models.BooleanField(default=False)
    id_number_last4 = models.CharField(max_length=4, blank=True)
    ssn_last_4_provided = models.BooleanField(default=False)

    is_representative = models.BooleanField(default=False)
    is_owner = models.BooleanField(default=False)
    is_director = models.BooleanField(default=False)
    is_executive = models.BooleanField(default=False)
    # For business_type=individual the individual is stored as a Person and hidden from owner lists.
    is_account_individual = models.BooleanField(default=False)
    title = models.CharField(max_length=100, blank=True)
    # 0–100 with up to two decimals.
    percent_ownership = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    verification_status = models.CharField(max_length=12, choices=Verification, default=Verification.UNVERIFIED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_representative", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_representative=True), name="one_representative_per_account"
            ),
            models.CheckConstraint(
                condition=Q(percent_ownership__isnull=True)
                | Q(percent_ownership__gte=0, percent_ownership__lte=100),
                name="percent_ownership_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.public_id

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def relationships(self) -> list[str]:
        flags = [
            (self.is_representative, "Representative"),
            (self.is_owner, "Owner"),
            (self.is_director, "Director"),
            (self.is_executive, "Executive"),
        ]
        return [label for held, label in flags if held]


class Capability(models.Model):
    """A named permission of a connection, such as card_payments or transfers."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        PENDING = "pending", "Pending"
        UNREQUESTED = "unrequested", "Unrequested"
        DISABLED = "disabled", "Disabled"  # terminal: refused by the provider or disabled by the platform

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="capabilities")
    name = models.CharField(max_length=60)
    requested = models.BooleanField(default=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.INACTIVE)
    disabled_reason = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["connection", "name"], name="one_capability_per_name")]
        verbose_name_plural = "capabilities"

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        from .field_catalogue import capability_label

        return capability_label(self.name)


class ExternalAccount(models.Model):
    """A bank account (ba_) or debit card (card_) that payouts go to. Full numbers are never
    stored: only what identifies the destination to a person (last4, bank, brand)."""

    class Kind(models.TextChoices):
        BANK_ACCOUNT = "bank_account", "Bank account"
        CARD = "card", "Debit card"

    class Status(models.TextChoices):
        NEW = "new", "New"
        VALIDATED = "validated", "Validated"
        VERIFIED = "verified", "Verified"
        VERIFICATION_FAILED = "verification_failed", "Verification failed"
        ERRORED = "errored", "Errored"

    public_id = models.CharField(max_length=40, unique=True, editable=False)  # ba_… or card_…
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="external_accounts")
    kind = models.CharField(max_length=12, choices=Kind)
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    last4 = models.CharField(max_length=4)
    # The test-mode magic values (domain.md §10) decide payout outcomes; a keyed fingerprint of the
    # full number lets the engine recognise them without keeping the number itself.
    fingerprint = models.CharField(max_length=64, blank=True)
    account_holder_name = models.CharField(max_length=200, blank=True)
    bank_name = models.CharField(max_length=100, blank=True)
    routing_number = models.CharField(max_length=20, blank=True)
    brand = models.CharField(max_length=20, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    supports_instant = models.BooleanField(default=False)
    default_for_currency = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.NEW)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-default_for_currency", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "currency"],
                condition=Q(default_for_currency=True),
                name="one_default_external_account_per_currency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ••••{self.last4}"

    def save(self, *args, **kwargs):
        if not self.public_id:
            prefix = "ba_" if self.kind == self.Kind.BANK_ACCOUNT else "card_"
            self.public_id = new_public_id(prefix)
        super().save(*args, **kwargs)


class AccountLink(models.Model):
    """A bearer link an account holder opens without logging in: the one-time onboarding invite
    and (later) remediation and support links. Only a hash of the token is stored; the URL is
    shown once, when issued, and emailed through the outbox."""

    class Kind(models.TextChoices):
        ONBOARDING = "onboarding", "Onboarding invite"
        REMEDIATION = "remediation", "Remediation link"
        SUPPORT = "support", "Support link"

    PREFIXES = {Kind.ONBOARDING: "oinv_", Kind.REMEDIATION: "rmlink_", Kind.SUPPORT: "slink_"}

    public_id = models.CharField(max_length=40, unique=True, editable=False)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=12, choices=Kind)
    # sha256 of the random token (256 bits from secrets.token_urlsafe); the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        "platform_console.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_to = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)  # single-use links: when completed
    revoked_at = models.DateTimeField(null=True, blank=True)  # replaced by a newer link
    visit_count = models.PositiveIntegerField(default=0)
    last_visited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["connection", "kind", "-created_at"], name="link_by_connection")]

    def __str__(self) -> str:
        return self.public_id

    def save(self, *args, **kwargs):
        if not self.public_id:
            self.public_id = new_public_id(self.PREFIXES[self.kind])
        super().save(*args, **kwargs)

    def state(self, now=None) -> str:
        """"active", "used", "revoked" or "expired"."""
        now = now or timezone.now()
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"
