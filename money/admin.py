"""Back office views of money. Ledger rows are read-only here: balances change only through
money.services (a correction is a new posting), so the admin can look but never edit."""

from django.contrib import admin

from .models import (
    AccountDebit,
    AccountDebitConsent,
    Entry,
    IdempotencyKey,
    LedgerAccount,
    Payout,
    Posting,
    TopUp,
    Transfer,
    TransferReversal,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("ledger_account", "kind", "amount", "currency", "source_id", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "platform", "livemode", "kind", "connection", "currency", "bucket", "balance")
    list_filter = ("livemode", "kind", "bucket", "currency")
    raw_id_fields = ("platform", "connection")
    list_select_related = ("platform", "connection__account")


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "platform", "livemode", "kind", "counterparty", "actor_label", "created_at")
    list_filter = ("livemode", "kind")
    search_fields = ("public_id", "counterparty", "entries__source_id")
    inlines = [EntryInline]
    list_select_related = ("platform",)


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "posting",
        "ledger_account",
        "kind",
        "amount",
        "currency",
        "source_id",
        "created_at",
    )
    list_filter = ("kind", "currency")
    search_fields = ("source_id", "posting__public_id")
    list_select_related = ("posting", "ledger_account")


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "platform",
        "livemode",
        "amount",
        "currency",
        "status",
        "failure_code",
        "created_at",
    )
    list_filter = ("livemode", "status", "currency")
    search_fields = ("public_id",)
    list_select_related = ("platform",)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id", "platform", "livemode", "connection", "amount", "amount_reversed", "currency", "created_at",
    )
    list_filter = ("livemode", "currency")
    search_fields = ("public_id", "connection__account__public_id", "connection__account__name")
    list_select_related = ("platform", "connection__account")


@admin.register(TransferReversal)
class TransferReversalAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "transfer", "platform", "livemode", "amount", "currency", "reason", "created_at")
    list_filter = ("livemode", "reason")
    search_fields = ("public_id", "transfer__public_id", "connection__account__public_id")
    list_select_related = ("platform", "transfer")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "platform",
        "livemode",
        "connection",
        "amount",
        "currency",
        "method",
        "status",
        "automatic",
        "arrival_date",
    )
    list_filter = ("livemode", "status", "method", "automatic")
    search_fields = ("public_id", "connection__account__public_id")
    list_select_related = ("platform", "connection__account")


@admin.register(AccountDebit)
class AccountDebitAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "platform",
        "livemode",
        "connection",
        "amount",
        "fee",
        "currency",
        "created_at",
    )
    list_filter = ("livemode", "currency")
    search_fields = ("public_id", "connection__account__public_id")
    list_select_related = ("platform", "connection__account")


@admin.register(AccountDebitConsent)
class AccountDebitConsentAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "platform",
        "connection",
        "granted_by",
        "granted_at",
        "consent_text_version",
        "revoked_at",
    )
    search_fields = ("public_id", "granted_by", "connection__account__public_id")
    list_select_related = ("platform", "connection__account")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("key", "platform", "operation", "result_type", "result_id", "created_at")
    list_filter = ("operation",)
    search_fields = ("key", "result_id")
