"""The Audit log: every operator action on the platform, filterable, paginated, exportable."""

from datetime import datetime, time

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from . import csv_export, permissions
from .decorators import operator_required
from .models import AuditEvent
from .pagination import keyset_page

EXPORT_LIMIT = 100_000


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Actor", required=False, max_length=254)
    account = forms.CharField(label="Account", required=False, max_length=40)
    action = forms.CharField(label="Action", required=False, max_length=80)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # Live and test events apart, as everything else in the console: the current mode unless chosen.
    mode = forms.ChoiceField(label="Mode", required=False,
                             choices=[("live", "Live"), ("test", "Test"), ("all", "Live and test")])
    after = forms.CharField(required=False)
    before = forms.CharField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date is before the start date.")
        return data


def filtered_events(request: HttpRequest, data: dict):
    events = AuditEvent.objects.filter(platform=request.platform).select_related("actor__user")
    mode = data.get("mode") or current_mode(request)
    if mode != "all":
        events = events.filter(livemode=mode == "live")
    if data.get("actor"):
        events = events.filter(actor_label__iexact=data["actor"].strip())
    if data.get("account"):
        events = events.filter(account_public_id=data["account"].strip())
    if data.get("action"):
        events = events.filter(action__startswith=data["action"].strip())
    tz = timezone.get_current_timezone()
    if data.get("since"):
        events = events.filter(created_at__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
    if data.get("until"):
        events = events.filter(created_at__lte=datetime.combine(data["until"], time.max, tzinfo=tz))
    return events


@require_safe
@operator_required(permissions.VIEW_AUDIT_LOG)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    events = filtered_events(request, data)
    page = keyset_page(events, after=data.get("after", ""), before=data.get("before", ""))
    actors = sorted(set(AuditEvent.objects.filter(platform=request.platform).order_by()
                        .values_list("actor_label", flat=True).distinct()[:200]))
    return render(request, "platform_console/audit_log.html",
                  {"form": form, "page": page, "actors": actors, "mode": data.get("mode") or current_mode(request),
                   "filtered": any(v for k, v in data.items() if k not in ("after", "before", "mode"))})


def current_mode(request: HttpRequest) -> str:
    return "live" if request.livemode else "test"


@require_safe
@operator_required(permissions.VIEW_AUDIT_LOG)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The same filters as a CSV file, streamed (at most EXPORT_LIMIT rows, newest first)."""
    form = AuditFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    events = filtered_events(request, data).order_by("-created_at", "-id")[:EXPORT_LIMIT]
    rows = (
        [event.public_id, event.created_at.isoformat(), event.actor_label, event.action, event.object_id,
         event.account_public_id, event.livemode, event.ip or "", event.view_as_account, event.before, event.after]
        for event in events.iterator(chunk_size=2000)
    )
    return csv_export.response(
        f"audit-log-{request.platform.public_id}.csv",
        ["id", "time_utc", "actor", "action", "object", "account", "livemode", "ip", "view_as_account", "before",
         "after"],
        rows,
    )
