"""Public pages for account holders (no operator login): hosted onboarding through a one-time link.

The token arrives once in the URL; the link's id then lives in the holder's session and every
step re-checks that the link is still usable, so a closed browser resumes with the same link
until it is completed or expires.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from platform_console.audit import request_meta
from platform_console.client_ip import client_ip
from platform_console.decorators import public_page

from . import onboarding, onboarding_flow, services
from .errors import LinkNotUsable
from .onboarding_forms import ReviewForm

SESSION_KEY = "onboarding_link_id"
PROBLEMS = {
    "used": (
        "This link has already been used",
        (
            "Onboarding with this link is complete. If you need to change something, ask the platform that "
            "sent it for a new link."
        ),
    ),
    "expired": (
        "This link has expired",
        "Onboarding links work for a limited time. Ask the platform that sent it to send you a new link.",
    ),
    "revoked": (
        "This link has been replaced",
        (
            "A newer link was sent for this account. Use the latest email, or ask the platform to send you "
            "a new link."
        ),
    ),
    "invalid": (
        "This link isn't valid",
        "Check that you copied the whole link, or ask the platform that sent it for a new link.",
    ),
}



def link_problem(request: HttpRequest, state: str) -> HttpResponse:
    title, body = PROBLEMS.get(state, PROBLEMS["invalid"])
    status = 404 if state == "invalid" else 410
    return render(request, "accounts/hosted/link_problem.html", {"title": title, "body": body, "state": state},
                  status=status)


@public_page
@never_cache
@require_safe
def onboard_entry(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = services.open_link(token)
    except LinkNotUsable as problem:
        return link_problem(request, problem.state)
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    return redirect("onboard_step", step=onboarding.first_incomplete_step(link.connection))


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
def onboard_step(request: HttpRequest, step: str) -> HttpResponse:
    link_id = request.session.get(SESSION_KEY)
    try:
        link = services.usable_link(link_id) if link_id else None
    except LinkNotUsable as problem:
        return link_problem(request, problem.state)
    if link is None:
        return link_problem(request, "invalid")
    connection = link.connection
    if step not in onboarding.step_slugs(connection.account):
        return redirect("onboard_step", step=onboarding.first_incomplete_step(connection))

    if step == "review":
        return _review(request, link)
    result = onboarding_flow.handle_step(request, connection, step, request_meta=request_meta(request))
    if result.done:
        connection.refresh_from_db()
        return redirect("onboard_step", step=onboarding_flow.next_step(connection, step))
    context = {**result.context, "platform": connection.platform, "steps": onboarding_flow.step_list(connection, step),
               "hosted": True, "step_url_name": "onboard_step"}
    return render(request, "accounts/hosted/step.html", context, status=result.status)


def _review(request: HttpRequest, link) -> HttpResponse:
    connection = link.connection
    paths = onboarding.needed_paths(connection)
    form = ReviewForm(request.POST if request.method == "POST" else None, connection=connection, paths=paths)
    review = onboarding_flow.review_context(connection)
    if request.method == "POST" and form.is_valid():
        if review["missing"]:
            form.add_error(None, "Some required details are still missing: complete the steps marked below.")
        else:
            try:
                services.complete_onboarding(
                    link_id=link.pk, ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""), request_meta=request_meta(request),
                )
            except LinkNotUsable as problem:
                return link_problem(request, problem.state)
            request.session.pop(SESSION_KEY, None)
            request.session["onboarding_done_platform"] = connection.platform.name
            return redirect("onboard_done")
    context = {"form": form, "platform": connection.platform, "connection": connection, "account": connection.account,
               "steps": onboarding_flow.step_list(connection, "review"), "step": onboarding.steps()["review"],
               "hosted": True, "step_url_name": "onboard_step",
               "previous_step": onboarding_flow.previous_step(connection.account, "review"), **review}
    return render(request, "accounts/hosted/review.html", context, status=422 if form.errors else 200)


@public_page
@never_cache
@require_safe
def onboard_done(request: HttpRequest) -> HttpResponse:
    platform_name = request.session.get("onboarding_done_platform")
    if not platform_name:
        return redirect(reverse("onboard_step", kwargs={"step": "review"}))
    return render(request, "accounts/hosted/done.html", {"platform_name": platform_name})
