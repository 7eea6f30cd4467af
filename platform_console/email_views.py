"""Settings › Emails: the platform's emails that could not be delivered, and **Retry**."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import outbox, permissions
from .decorators import operator_required
from .models import OutboxEmail

SHOWN = 100


def _label(template: str) -> str:
    """"Onboarding link" from "accounts/email/onboarding_link"."""
    return template.rsplit("/", 1)[-1].replace("_", " ").capitalize()


@require_http_methods(["GET", "POST"])
@operator_required(permissions.MANAGE_EMAILS)
def failed_emails(request: HttpRequest) -> HttpResponse:
    failed = OutboxEmail.objects.filter(platform=request.platform, status=OutboxEmail.Status.FAILED)
    if request.method == "POST":
        value = request.POST.get("email", "")
        email = failed.filter(pk=int(value)).first() if value.isdigit() and len(value) < 19 else None
        if email is None:
            raise Http404("No such failed email")
        try:
            outbox.retry_email(email=email, actor=request.membership)
        except outbox.OutboxError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The email to {email.to} will be sent again now.")
        return redirect("failed_emails")
    rows = [{"email": email, "label": _label(email.template)}
            for email in failed.order_by("-created_at", "-id")[:SHOWN]]
    return render(request, "platform_console/failed_emails.html", {"rows": rows})
