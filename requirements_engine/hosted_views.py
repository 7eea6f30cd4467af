"""The hosted remediation page: an account holder opens the remediation link (no login) and sees
only what is outstanding. The link is reusable for 90 days; a newer link revokes it."""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts import services as account_services
from accounts.errors import AccountError, LinkNotUsable
from accounts.hosted_views import link_problem
from accounts.models import AccountLink
from platform_console.audit import request_meta
from platform_console.client_ip import client_ip
from platform_console.decorators import public_page

from . import labels, selectors, services
from .fields import RequirementForm, supported
from .models import Document

SESSION_KEY = "remediation_link_id"



UPLOADS_PER_HOUR = 20


def _too_many_uploads(connection) -> bool:
    """A remediation link can be opened by anyone holding it: cap uploads so it cannot fill disks."""
    since = timezone.now() - timedelta(hours=1)
    return Document.objects.filter(connection=connection, uploaded_at__gte=since).count() >= UPLOADS_PER_HOUR


@public_page
@never_cache
@require_safe
def remediate_entry(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = account_services.open_link(token, kind=AccountLink.Kind.REMEDIATION)
    except LinkNotUsable as problem:
        return link_problem(request, problem.state)
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    return redirect("requirements_engine:remediation_home")


def _link(request: HttpRequest) -> AccountLink:
    link_id = request.session.get(SESSION_KEY)
    if not link_id:
        raise LinkNotUsable("invalid")
    return account_services.usable_link(link_id, kind=AccountLink.Kind.REMEDIATION)


@public_page
@never_cache
@require_safe
def remediation_home(request: HttpRequest) -> HttpResponse:
    try:
        link = _link(request)
    except LinkNotUsable as problem:
        return link_problem(request, problem.state)
    connection = link.connection
    rows = selectors.outstanding_paths(connection)
    names = labels.person_names(connection)
    items = [
        {"path": row.path, "title": labels.title(row.path, names=names), "row": row,
         "error": labels.error_label(row.error_code), "supported": supported(row.path)}
        for row in rows
    ]
    return render(request, "requirements_engine/hosted/remediation.html",
                  {"platform": connection.platform, "items": items, "connection": connection})


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
def remediation_field(request: HttpRequest, path: str) -> HttpResponse:
    try:
        link = _link(request)
    except LinkNotUsable as problem:
        return link_problem(request, problem.state)
    connection = link.connection
    if selectors.requirement(connection, path) is None or not supported(path):
        return redirect("requirements_engine:remediation_home")
    form = RequirementForm(request.POST if request.method == "POST" else None,
                           request.FILES if request.method == "POST" else None, connection=connection, path=path,
                           holder=True)
    if request.method == "POST" and form.is_valid() and "document" in form.cleaned_data and _too_many_uploads(connection):
        form.add_error(None, "Many documents were uploaded in the last hour. Wait a while, then try again.")
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "ip": client_ip(request),
                "user_agent": request.META.get("HTTP_USER_AGENT", "")}
        try:
            services.save_requirement_values(connection=connection, path=path, data=data, request_meta=request_meta(request))
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            return redirect("requirements_engine:remediation_home")
    return render(request, "requirements_engine/hosted/remediation_field.html",
                  {"platform": connection.platform, "form": form, "title": labels.title(path, connection),
                   "path": path}, status=422 if form.errors else 200)
