"""The ledger and the money objects that explain it (domain.md §3.10–3.14, §8).

Double entry: a Posting is two or more Entries whose amounts sum to zero per currency. Each
LedgerAccount keeps its current balance, which changes only as entries are inserted (a trigger of
migration money 0006 applies them, and refuses any other change of a balance); postings and
entries are append-only; `check_ledger` proves balance = sum of entries. See money.engine.

Every row carries `platform` (the tenant key and future distribution column) and `livemode`.
Amounts are BigIntegers in the minor unit of the `currency` beside them (cents for USD, whole
yen for JPY) — never floats.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from platform_console.ids import PublicIdField


class AppendOnly(Exception):
    """An UPDATE or DELETE of a posting or an entry: a correction is a new posting."""


class AppendOnlyQuerySet(models.QuerySet):
    """Postings and entries are append-only. PostgreSQL refuses changes with a trigger (migration
    money 0006); this refuses them in Python, on both databases, before they are sent."""

    def update(self, **kwargs):
        raise AppendOnly(f"{self.model._meta.db_table} rows are append-only: UPDATE refused")

    def delete(self):
        raise AppendOnly(f"{self.model._meta.db_table} rows are append-only: DELETE refused")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly(f"{self._meta.db_table} rows are append-only: UPDATE refused")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(f"{self._meta.db_table} rows are append-only: DELETE refused")


class LedgerAccount(models.Model):
    """One balance: an owner's money in one currency and one bucket (available or pending)."""

    class Kind(models.TextChoices):
        PLATFORM = "platform", "Platform balance"
        CONNECTION = "connection", "Connected account balance"
        # System accounts, one per platform, mode, currency: the other side of money that enters
        # or leaves the console's books.
        FUNDING_SOURCE = "funding_source", "Platform bank account (top-ups)"
        PAYOUTS_IN_TRANSIT = "payouts_in_transit", "Payouts in transit"
        PAID_OUT = "paid_out", "Paid out to bank accounts and cards"
        FEE_REVENUE = "fee_revenue", "Fee revenue"

    class Bucket(models.TextChoices):
        AVAILABLE = "available", "Available"
        PENDING = "pending", "Pending"

    SYSTEM_KINDS = (Kind.FUNDING_SOURCE, Kind.PAYOUTS_IN_TRANSIT, Kind.PAID_OUT, Kind.FEE_REVENUE)

    platform = models.ForeignKey("platform_console.Platform", on_delete=models.PROTECT, related_name="+")
    livemode = models.BooleanField()
    kind = models.CharField(max_length=20, choices=Kind)
    # Set only for kind=connection.
    connection = models.ForeignKey(
        "accounts.Connection", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    currency = models.CharField(max_length=3)  # lowercase ISO 4217
    bucket = models.CharField(max_length=10, choices=Bucket, default=Bucket.AVAILABLE)
    # Minor units of `currency`. Changed only by the insertion of entries (migration money 0006).
    balance = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "currency", "bucket"],
                condition=Q(connection__isnull=False),
                name="ledger_one_per_connection_currency_bucket",
            ),
            models.UniqueConstraint(
                fields=["platform", "livemode", "kind", "currency", "bucket"],
                condition=Q(connection__isnull=True),
                name="ledger_one_per_platform_kind_currency_bucket",
            ),
            models.CheckConstraint(
                condition=(Q(kind="connection") & Q(connection__isnull=False))
                | (~Q(kind="connection") & Q(connection__isnull=True)),
                name="ledger_connection_iff_kind_connection",
            ),
            # The balance guard of every money operation (domain.md §7.10): neither the platform's
            # money nor a connected account's may go negative. The database refuses the posting
            # that would make one negative; money.engine turns that into the operation's refusal.
            models.CheckConstraint(
                condition=~Q(kind="platform") | Q(balance__gte=0),
                name="ledger_platform_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="connection") | Q(balance__gte=0),
                name="ledger_connection_balance_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["platform", "livemode", "kind", "currency"], name="ledger_platform_kind"),
        ]

    def __str__(self) -> str:
        owner = f"connection {self.connection_id}" if self.connection_id else self.get_kind_display()
        return f"{owner} {self.currency.upper()} {self.bucket}"


class Posting(AppendOnlyModel):
    """One balanced movement of money: the unit the ledger changes by (a balance transaction
    group, `txn_`). Append-only: a correction is a new posting."""

    class Kind(models.TextChoices):
        TOPUP = "topup", "Top-up"
        TOPUP_SETTLEMENT = "topup_settlement", "Top-up became available"
        TRANSFER = "transfer", "Transfer"
        PAYOUT = "payout", "Payout"
        PAYOUT_PAID = "payout_paid", "Payout paid"
        PAYOUT_FAILURE = "payout_failure", "Payout failed"
        ACCOUNT_DEBIT = "account_debit", "Account debit"
        TRANSFER_REVERSAL = "transfer_reversal", "Transfer reversal"

    # Not indexed: nothing looks a posting up by its id, and a unique index of random values costs
    # every posting a random index page (and a full-page image of it after each checkpoint). 143
    # random bits keep the ids distinct.
    public_id = PublicIdField(prefix="txn_", unique=False)
    # Indexed by posting_recent, which leads with it.
    platform = models.ForeignKey(
        "platform_console.Platform", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    livemode = models.BooleanField()
    kind = models.CharField(max_length=20, choices=Kind)
    description = models.CharField(max_length=200, blank=True)
    # Who or what is on the other side, for statements: "Acme Bakery", "Bank account ••6789".
    counterparty = models.CharField(max_length=200, blank=True)
    # The acting team member; None for tasks (the schedule, settlement).
    actor = models.ForeignKey(
        "platform_console.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["platform", "livemode", "-created_at", "-id"], name="posting_recent")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.kind}"


class Entry(AppendOnlyModel):
    """One line of a posting on one ledger account. Nothing references entries by foreign key,
    so the table stays partitionable by time."""

    class Kind(models.TextChoices):
        TOPUP = "topup", "Top-up"
        TRANSFER = "transfer", "Transfer"
        PAYOUT = "payout", "Payout"
        PAYOUT_FAILURE = "payout_failure", "Payout failure"
        ACCOUNT_DEBIT = "account_debit", "Account debit"
        STRIPE_FEE = "stripe_fee", "Fee"
        SETTLEMENT = "settlement", "Pending to available"
        TRANSFER_REVERSAL = "transfer_reversal", "Transfer reversal"

    # Not indexed: entries are read by ledger account (entry_statement) or posting, and a money
    # operation writes every index of its rows. check_ledger, which filters by platform, scans.
    platform = models.ForeignKey(
        "platform_console.Platform", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="entries")
    # Indexed by entry_statement, which leads with it.
    ledger_account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    kind = models.CharField(max_length=20, choices=Kind)
    # Signed minor units of `currency`: positive adds to the ledger account's balance.
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)  # copied from the ledger account, for per-currency sums
    # Public id of the object this line comes from (tu_, tr_, po_, py_) — domain.md §8.8.
    source_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "entries"
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero")]
        indexes = [
            # An account's statement, newest first (keyset order), and balance-as-of sums.
            models.Index(fields=["ledger_account", "-created_at", "-id"], name="entry_statement"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


class TopUp(models.Model):
    """Add to balance: money from the platform's bank account into its balance (`tu_`)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    public_id = PublicIdField(prefix="tu_")
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.PROTECT, related_name="+")
    livemode = models.BooleanField()
    amount = models.BigIntegerField()  # minor units of `currency`
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    failure_code = models.CharField(max_length=40, blank=True)
    # Test mode: the bank token that decides the outcome (domain.md §10); blank in live mode.
    source_token = models.CharField(max_length=60, blank=True)
    expected_availability_at = models.DateTimeField(null=True, blank=True)
    posting = models.ForeignKey(Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    settlement_posting = models.ForeignKey(
        Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        "platform_console.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["platform", "livemode", "-created_at", "-id"], name="topup_recent"),
            models.Index(fields=["status", "expected_availability_at"], name="topup_to_settle"),
        ]

    def __str__(self) -> str:
        return self.public_id


class Transfer(models.Model):
    """Platform available balance -> a connected account's balance (`tr_`)."""

    public_id = PublicIdField(prefix="tr_")
    # Indexed by transfer_recent, which leads with it (a transfer writes every index of its rows).
    platform = models.ForeignKey(
        "platform_console.Platform", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    livemode = models.BooleanField()
    # Indexed by transfer_by_connection, which leads with it.
    connection = models.ForeignKey(
        "accounts.Connection", on_delete=models.PROTECT, related_name="transfers", db_index=False
    )
    amount = models.BigIntegerField()  # minor units of `currency`
    # The sum of its reversals (Stripe's `amount_reversed`); never more than `amount`.
    amount_reversed = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200, blank=True)
    # Not indexed: nothing looks a transfer up by its posting (postings are never deleted).
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_by = models.ForeignKey(
        "platform_console.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["platform", "livemode", "-created_at", "-id"], name="transfer_recent"),
            models.Index(fields=["connection", "-created_at", "-id"], name="transfer_by_connection"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_reversed__gte=0) & Q(amount_reversed__lte=models.F("amount")),
                name="transfer_reversals_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def reversed(self) -> bool:
        """Stripe's `reversed`: the whole amount has been reversed."""
        return self.amount_reversed >= self.amount

    @property
    def reversible_amount(self) -> int:
        return self.amount - self.amount_reversed

    @property
    def reversal_status(self) -> str:
        """"Reversed", "Partially reversed" or "" (for the badge)."""
        if self.reversed:
            return "Reversed"
        return "Partially reversed" if self.amount_reversed else ""


class TransferReversal(models.Model):
    """Part or all of a transfer taken back: the connected account's balance -> the platform's
    available balance (`trr_`, Stripe's transfer reversal)."""

    class Reason(models.TextChoices):
        DUPLICATE = "duplicate", "Duplicate transfer"
        FRAUDULENT = "fraudulent", "Fraudulent"
        REQUESTED_BY_ACCOUNT = "requested_by_account", "Requested by the account"
        SENT_IN_ERROR = "sent_in_error", "Sent in error"
        OTHER = "other", "Other"

    public_id = PublicIdField(prefix="trr_")
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.PROTECT, related_name="+")
    livemode = models.BooleanField()
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="reversals")
    connection = models.ForeignKey(
        "accounts.Connection", on_delete=models.PROTECT, related_name="transfer_reversals"
    )
    amount = models.BigIntegerField()  # minor units of `currency`
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=30, choices=Reason, default=Reason.OTHER)
    description = models.CharField(max_length=200, blank=True)
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        "platform_console.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="reversal_amount_positive")]
        indexes = [
            models.Index(fields=["platform", "livemode", "-created_at", "-id"], name="reversal_recent"),
            models.Index(fields=["transfer", "-created_at", "-id"], name="reversal_by_transfer"),
        ]

    def __str__(self) -> str:
        return self.public_id


class Payout(models.Model):
    """A connected account's available balance -> its bank account or debit card (`po_`)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_TRANSIT = "in_transit", "In transit"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    class Method(models.TextChoices):
        STANDARD = "standard", "Standard"
        INSTANT = "instant", "Instant"

    FAILURE_MESSAGES = {
        "no_account": "The bank account could not be located.",
        "account_closed": "The bank account has been closed.",
        "insufficient_funds": "The bank could not take the payout (insufficient funds).",
        "debit_not_authorized": "Debits are not authorized on this bank account.",
        "invalid_currency": "The bank account cannot accept this currency.",
        "could_not_process": "The card issuer could not process the payout.",
    }

    public_id = PublicIdField(prefix="po_")
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.PROTECT, related_name="+")
    livemode = models.BooleanField()
    connection = models.ForeignKey("accounts.Connection", on_delete=models.PROTECT, related_name="payouts")
    amount = models.BigIntegerField()  # minor units of `currency`
    currency = models.CharField(max_length=3)
    destination = models.ForeignKey(
        "accounts.ExternalAccount", on_delete=models.PROTECT, related_name="payouts"
    )
    method = models.CharField(max_length=10, choices=Method, default=Method.STANDARD)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    # True when the payout schedule created it; `scheduled_for` is the schedule date it pays.
    automatic = models.BooleanField(default=False)
    scheduled_for = models.DateField(null=True, blank=True)
    arrival_date = models.DateField()
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=200, blank=True)
    # Set when the payout was made together with a transfer ("send to bank account or card").
    transfer = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="payout"
    )
    posting = models.ForeignKey(Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The posting that paid it out of transit, or returned it to the balance on failure.
    closing_posting = models.ForeignKey(
        Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        "platform_console.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The schedule pays each account and currency at most once per schedule date, however
            # often the task runs.
            models.UniqueConstraint(
                fields=["connection", "currency", "scheduled_for"],
                condition=Q(automatic=True),
                name="payout_one_automatic_per_day",
            ),
        ]
        indexes = [
            models.Index(fields=["platform", "livemode", "-created_at", "-id"], name="payout_recent"),
            models.Index(fields=["connection", "-created_at", "-id"], name="payout_by_connection"),
            models.Index(fields=["status", "arrival_date"], name="payout_open"),
        ]

    def __str__(self) -> str:
        return self.public_id


class AccountDebitConsent(models.Model):
    """The account holder's legally binding consent to account debits (`adcons_`, §3.13)."""

    public_id = PublicIdField(prefix="adcons_")
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.PROTECT, related_name="+")
    connection = models.ForeignKey(
        "accounts.Connection", on_delete=models.PROTECT, related_name="debit_consents"
    )
    granted_at = models.DateTimeField()
    granted_by = models.CharField(max_length=254)  # the person or holder email who agreed
    ip = models.GenericIPAddressField(null=True, blank=True)
    consent_text_version = models.CharField(max_length=40)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The team member who recorded it in the console.
    recorded_by = models.ForeignKey(
        "platform_console.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection"], condition=Q(revoked_at__isnull=True), name="one_current_debit_consent"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id


class AccountDebit(models.Model):
    """Pull funds: a connected account's available balance -> the platform's (`py_`, the payment
    the platform receives). The platform pays `fee`, which goes to fee revenue."""

    public_id = PublicIdField(prefix="py_")
    platform = models.ForeignKey("platform_console.Platform", on_delete=models.PROTECT, related_name="+")
    livemode = models.BooleanField()
    connection = models.ForeignKey("accounts.Connection", on_delete=models.PROTECT, related_name="debits")
    amount = models.BigIntegerField()  # minor units of `currency`, taken from the account
    fee = models.BigIntegerField(default=0)  # minor units, billed to the platform
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200, blank=True)
    consent = models.ForeignKey(AccountDebitConsent, on_delete=models.PROTECT, related_name="debits")
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        "platform_console.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["platform", "livemode", "-created_at", "-id"], name="debit_recent"),
            models.Index(fields=["connection", "-created_at", "-id"], name="debit_by_connection"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def net(self) -> int:
        return self.amount - self.fee


class IdempotencyKey(models.Model):
    """A money request already made. The unique (platform, key) decides races: the loser's
    insert fails and it returns the winner's result instead of moving money twice."""

    # Indexed by idempotency_key_unique (platform, key).
    platform = models.ForeignKey(
        "platform_console.Platform", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=40)  # e.g. "transfer.create"
    # SHA-256 of the canonical JSON of the parameters: the same key with other parameters is refused.
    params_hash = models.CharField(max_length=64)
    result_type = models.CharField(max_length=20, blank=True)  # "transfer", "topup", ...
    result_id = models.CharField(max_length=40, blank=True)  # public id of the result
    # Keys expire after a day (money.idempotency.LIFETIME), then a beat task deletes them.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "key"], name="idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_age")]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"
