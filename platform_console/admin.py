from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import outbox
from .models import AuditEvent, Membership, OutboxEmail, Platform, Role, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "country", "platform_profile_completed")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id",)
    inlines = [MembershipInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("public_id", "platform", "actor_label", "action", "object_id", "created_at")
    list_filter = ("action",)
    search_fields = ("public_id", "object_id", "account_public_id", "actor_label")
    show_full_result_count = False

    # Audit events are immutable, in the back office too.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ("to", "template", "platform", "status", "attempts", "next_attempt_at", "created_at", "sent_at")
    list_filter = ("status", "template")
    list_select_related = ("platform",)
    search_fields = ("to", "subject")
    show_full_result_count = False
    # Not the context: until the email is sent it may hold a bearer link, which nobody needs to see.
    fields = ("to", "template", "subject", "platform", "status", "attempts", "next_attempt_at", "last_error",
              "claimed_at", "created_at", "sent_at", "link_erased_at", "message_uuid")
    readonly_fields = fields
    actions = ["retry"]

    @admin.action(description="Retry the selected failed emails")
    def retry(self, request, queryset):
        retried = 0
        for email in queryset.filter(status=OutboxEmail.Status.FAILED).select_related("platform"):
            try:
                outbox.retry_email(email=email, staff_email=request.user.email)
            except outbox.OutboxError as error:
                messages.warning(request, str(error))
            else:
                retried += 1
        messages.success(request, f"{retried} email(s) will be sent again.")

    # Rows are written by services and the outbox only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
