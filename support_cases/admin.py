"""The provider back office for support cases: staff read the whole conversation (the platform's
private notes included, which are addressed to them), answer, and change the status.

Nothing here writes rows itself: the save hooks hand the reply and the status to
services.provider_respond, so the back office follows the same rules, transaction and audit as
everything else. Messages already sent cannot be edited or deleted.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied

from . import services
from .errors import SupportCaseError
from .models import Message, SupportCase


class ConversationInline(admin.TabularInline):
    """The messages so far, read-only."""

    model = Message
    verbose_name = "message"
    verbose_name_plural = "Conversation (platform messages are private: never shown to the account)"
    fields = ("created_at", "author_kind", "author_label", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReplyForm(forms.ModelForm):
    body = forms.CharField(
        label="Reply",
        required=False,
        max_length=services.BODY_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Sent to the account on its support page. Leave empty to change only the status.",
    )

    class Meta:
        model = Message
        fields = ("body",)


class ReplyInline(admin.StackedInline):
    """One empty form: provider support's answer to the account."""

    model = Message
    verbose_name = "reply to the account"
    verbose_name_plural = "Reply to the account"
    form = ReplyForm
    fields = ("body",)
    extra = 1
    max_num = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SupportCase)
class SupportCaseAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "subject",
        "status",
        "category",
        "account",
        "platform",
        "opened_at",
        "updated_at",
    )
    list_filter = ("status", "category")
    search_fields = ("public_id", "subject", "connection__account__public_id", "connection__account__name")
    ordering = ("-updated_at",)
    list_select_related = ("connection__account", "platform")
    show_full_result_count = False
    fields = (
        "public_id",
        "account",
        "platform",
        "mode",
        "category",
        "subject",
        "description",
        "opened_at",
        "closed_at",
        "status",
    )
    readonly_fields = (
        "public_id",
        "account",
        "platform",
        "mode",
        "category",
        "subject",
        "description",
        "opened_at",
        "closed_at",
    )
    inlines = [ConversationInline, ReplyInline]

    @admin.display(description="Account", ordering="connection__account__name")
    def account(self, case: SupportCase) -> str:
        account = case.connection.account
        return f"{account.display_name} ({account.public_id})"

    @admin.display(description="Mode")
    def mode(self, case: SupportCase) -> str:
        return "Live" if case.connection.livemode else "Test"

    def has_add_permission(self, request):
        return False  # accounts open cases, on their hosted support page

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Deferred to save_related, which sees the reply too: one service call, one transaction.
        pass

    def save_formset(self, request, form, formset, change):
        pass  # see save_related

    def construct_change_message(self, request, form, formsets, add=False):
        # The formsets were never saved (the service wrote the reply), so they have nothing to report.
        return super().construct_change_message(request, form, [], add)

    def save_related(self, request, form, formsets, change):
        reply = ""
        for formset in formsets:  # the conversation's forms are read-only and never change
            for item in formset.forms:
                if item.has_changed() and item.cleaned_data.get("body"):
                    reply = item.cleaned_data["body"]
        status = form.cleaned_data.get("status") if "status" in form.changed_data else None
        try:
            services.provider_respond(case=form.instance, staff_user=request.user, body=reply, status=status)
        except SupportCaseError as error:
            raise PermissionDenied(error.message) from error
