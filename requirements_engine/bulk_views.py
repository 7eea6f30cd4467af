"""**Send remediation links** from the Connected accounts list: confirm, then follow the job."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.forms import ConnectionFilterForm
from platform_console import permissions
from platform_console.audit import request_meta
from platform_console.decorators import operator_required

from . import bulk
from .models import BulkRemediation

FILTERS = ("q", "status", "access", "country", "needs")
PREVIEW = 8


def _filters(data) -> dict[str, str]:
    chosen = ConnectionFilterForm(data).filters()
    return {name: chosen[name] for name in FILTERS}


@require_http_methods(["GET", "POST"])
@operator_required(permissions.CREATE_REMEDIATION_LINKS)
def bulk_new(request: HttpRequest) -> HttpResponse:
    """GET: how many accounts the list's filters match, and what happens; POST: start."""
    filters = _filters(request.POST if request.method == "POST" else request.GET)
    if request.method == "POST":
        try:
            job = bulk.start(actor=request.membership, livemode=request.livemode, filters=filters,
                             request_meta=request_meta(request))
        except bulk.BulkError as error:
            messages.error(request, str(error))
        else:
            return redirect("requirements_engine:bulk_detail", job_id=job.public_id)
    matching = bulk.matching(actor=request.membership, livemode=request.livemode, filters=filters)
    count = matching.order_by()[: bulk.LIMIT + 1].count()
    return render(request, "requirements_engine/bulk_new.html", {
        "filters": filters,
        "described": _described(filters),
        "count": min(count, bulk.LIMIT),
        "too_many": count > bulk.LIMIT,
        "limit": bulk.LIMIT,
        "preview": (preview := list(matching.order_by("-created_at", "-id")[:PREVIEW])),
        "more": max(0, min(count, bulk.LIMIT) - len(preview)),
        "recent": BulkRemediation.objects.filter(platform=request.platform, livemode=request.livemode)
        .order_by("-created_at")[:5],
    })


def _described(filters: dict[str, str]) -> list[tuple[str, str]]:
    form = ConnectionFilterForm()
    shown = []
    for name in FILTERS:
        if value := filters[name]:
            field = form.fields[name]
            label = dict(field.choices).get(value, value) if hasattr(field, "choices") else value
            shown.append(({"q": "Search", "status": "Status", "access": "Dashboard access", "country": "Country",
                           "needs": "Requirements"}[name], label))
    return shown


@require_safe
@operator_required(permissions.CREATE_REMEDIATION_LINKS)
def bulk_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's progress (polled every second while it runs) and, when done, its summary."""
    job = BulkRemediation.objects.filter(platform=request.platform, livemode=request.livemode, public_id=job_id).first()
    if job is None:
        raise Http404("No such bulk send")
    bulk.resume_if_stalled(job)
    context = {"job": job, "summary": bulk.summary(job)}
    template = "requirements_engine/bulk_detail.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context)
