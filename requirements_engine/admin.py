"""The provider staff's back office for requirements: the live-mode review queue, information
requests, and tickets from "Contact support"."""

from django.contrib import admin, messages
from django.db import transaction

from . import services
from .models import FieldVerification, InformationRequest, RemediationTicket, Requirement


@admin.register(FieldVerification)
class FieldVerificationAdmin(admin.ModelAdmin):
    list_display = ("path", "connection", "status", "error_code", "livemode", "submitted_at", "resolved_by")
    list_filter = ("status", "livemode")
    search_fields = ("path", "connection__account__public_id", "connection__account__name")
    raw_id_fields = ("connection", "platform")
    readonly_fields = ("platform", "connection", "path", "submitted_at", "resolved_at", "resolved_by")
    actions = ["mark_verified", "mark_failed"]

    @admin.action(description="Verify the selected fields")
    def mark_verified(self, request, queryset):
        for check in queryset.filter(status="pending"):
            services.resolve_verification(verification_id=check.pk, verified=True, staff_email=request.user.email)
        messages.success(request, "Verified.")

    @admin.action(description="Fail the selected fields (uses the error code and reason typed on each row, or a generic one)")
    def mark_failed(self, request, queryset):
        for check in queryset.filter(status="pending"):
            services.resolve_verification(verification_id=check.pk, verified=False, code=check.error_code,
                                          reason=check.reason, staff_email=request.user.email)
        messages.success(request, "Marked as failed.")

    def save_model(self, request, obj, form, change):
        # Deciding a check from its change form goes through the service, which re-evaluates.
        if change and "status" in form.changed_data and obj.status != "pending":
            with transaction.atomic():
                services.resolve_verification(verification_id=obj.pk, verified=obj.status == "verified",
                                              code=obj.error_code, reason=obj.reason, staff_email=request.user.email)
            return
        super().save_model(request, obj, form, change)


@admin.register(InformationRequest)
class InformationRequestAdmin(admin.ModelAdmin):
    list_display = ("public_id", "title", "connection", "kind", "status", "due_at")
    list_filter = ("status", "kind")
    search_fields = ("public_id", "title", "connection__account__public_id")
    raw_id_fields = ("connection",)
    exclude = ("platform",)

    def save_model(self, request, obj, form, change):
        obj.platform_id = obj.connection.platform_id
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            services.recompute(obj.connection)


@admin.register(RemediationTicket)
class RemediationTicketAdmin(admin.ModelAdmin):
    list_display = ("subject", "connection", "requirement_path", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("connection", "information_request", "filed_by", "platform")


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    list_display = ("path", "connection", "group", "deadline", "error_code")
    list_filter = ("group",)
    search_fields = ("path", "connection__account__public_id")
    raw_id_fields = ("connection", "platform")

    def has_change_permission(self, request, obj=None):
        return False  # computed rows: never edited by hand
