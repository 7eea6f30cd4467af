"""The Account details page's write actions: Profile inline edit, business owners, capabilities,
payout schedule and Remove account. Thin views: parse, call one service, render."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from platform_console import permissions, security
from platform_console.audit import request_meta
from platform_console.decorators import operator_required

from . import management_services as manage
from . import payout_schedule, selectors
from .errors import AccountError, ClearingNeedsConfirmation, NotAllowed
from .forms import CapabilitiesForm, OwnerForm, PayoutScheduleForm, ProfileForm
from .models import Capability, Person
from .status import tone_of


def _connection(request: HttpRequest, account_id: str):
    return selectors.get_connection(platform=request.platform, livemode=request.livemode, account_id=account_id)


def _done(request: HttpRequest, account_id: str, message: str) -> HttpResponse:
    """After a write from a dialog: back to the details page, which re-renders every section."""
    messages.success(request, message)
    target = reverse("accounts:detail", args=[account_id])
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


def _section(request, template: str, context: dict, *, status: int = 200, changed: bool = False) -> HttpResponse:
    response = render(request, template, context, status=status)
    if changed:
        # The change can move the account's status (its requirements were recomputed): the header's
        # badge comes along out of band; the Actions required card reloads on account-changed.
        connection = context["connection"]
        connection.refresh_from_db(fields=["status"])
        response.content += render_to_string("accounts/_status_badge_oob.html", {"connection": connection}).encode()
        response = trigger_client_event(response, "account-changed")
    return response


# --- Profile -----------------------------------------------------------------------------------

def profile_context(request: HttpRequest, connection) -> dict:
    editable = manage.profile_editable(connection)
    can_edit = request.membership.can(permissions.EDIT_PROFILE)
    reason = ""
    if not editable:
        reason = "This account manages its own profile. Send it a remediation link to ask for changes."
    elif not can_edit:
        reason = "Your role cannot edit account details."
    return {"connection": connection, "account": connection.account, "profile_reason": reason,
            "can_edit_profile": editable and can_edit}


@require_http_methods(["GET", "POST"])
@operator_required(permissions.VIEW_ACCOUNTS)
def profile_section(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    context = profile_context(request, connection)
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if not editing:
        return _section(request, "accounts/_profile_section.html", context)
    if not context["can_edit_profile"]:
        raise PermissionDenied(context["profile_reason"])
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=connection.account,
                       livemode=connection.livemode)
    if request.method == "POST" and form.is_valid():
        try:
            manage.update_profile(actor=request.membership, connection=connection, data=form.changes(),
                                  confirm_clear=form.cleaned_data["confirm_clear"], request_meta=request_meta(request))
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ClearingNeedsConfirmation as refusal:
            form.ask_to_confirm_clearing(refusal.fields, refusal.message)
            return _section(request, "accounts/_profile_form.html", {**context, "form": form}, status=422)
        connection.account.refresh_from_db()
        if not request.htmx:
            messages.success(request, "Profile saved.")
            return redirect("accounts:detail", account_id)
        response = _section(request, "accounts/_profile_section.html", profile_context(request, connection), changed=True)
        return trigger_client_event(response, "show-toast", "Profile saved")
    return _section(request, "accounts/_profile_form.html", {**context, "form": form},
                    status=422 if form.errors else 200)


# --- Business owners ---------------------------------------------------------------------------

def _person(connection, person_id: str) -> Person:
    person = connection.account.persons.filter(public_id=person_id, is_account_individual=False).first()
    if person is None:
        raise Http404("No such person on this account")
    return person


def _person_initial(person: Person) -> dict:
    return {field: getattr(person, field) for field in manage.PERSON_FIELDS}


@require_http_methods(["GET", "POST"])
@operator_required(permissions.MANAGE_PERSONS)
def person_form(request: HttpRequest, account_id: str, person_id: str = "") -> HttpResponse:
    """+ Add person (no person_id) and Edit owner."""
    connection = _connection(request, account_id)
    person = _person(connection, person_id) if person_id else None
    if not manage.profile_editable(connection):
        raise PermissionDenied("This account manages its own business owners.")
    form = OwnerForm(request.POST if request.method == "POST" else None, initial=_person_initial(person) if person else None,
                     country=connection.account.country)
    if request.method == "POST" and form.is_valid():
        try:
            if person is None:
                manage.add_person(actor=request.membership, connection=connection, data=form.cleaned_data,
                                  request_meta=request_meta(request))
            else:
                manage.update_person(actor=request.membership, connection=connection, person=person,
                                     data=form.cleaned_data, request_meta=request_meta(request))
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            return _done(request, account_id, "Person added." if person is None else "Owner updated.")
    template = "accounts/person_dialog.html" if request.htmx else "accounts/person_page.html"
    context = {"connection": connection, "account": connection.account, "person": person, "form": form}
    return render(request, template, context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@operator_required(permissions.MANAGE_PERSONS)
def person_remove(request: HttpRequest, account_id: str, person_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    person = _person(connection, person_id)
    error = ""
    if request.method == "POST":
        try:
            manage.remove_person(actor=request.membership, connection=connection, person=person,
                                 request_meta=request_meta(request))
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from refusal
        except AccountError as refusal:
            error = refusal.message
        else:
            return _done(request, account_id, "Owner removed and their personal data deleted.")
    template = "accounts/person_remove_dialog.html" if request.htmx else "accounts/person_remove_page.html"
    context = {"connection": connection, "account": connection.account, "person": person, "error": error}
    return render(request, template, context, status=422 if error else 200)


# --- Capabilities ------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@operator_required(permissions.VIEW_ACCOUNTS)
def capabilities_section(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    capabilities = list(Capability.objects.filter(connection=connection).order_by("name"))
    can_edit = request.membership.can(permissions.EDIT_CAPABILITIES)
    context = {"connection": connection, "account": connection.account, "capabilities": capabilities,
               "can_edit_capabilities": can_edit}
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if not editing:
        return _section(request, "accounts/_capabilities_section.html", context)
    if not can_edit:
        raise PermissionDenied("Your role cannot change capabilities.")
    requested = [c.name for c in capabilities if c.requested]
    form = CapabilitiesForm(request.POST if request.method == "POST" else None, initial={"capabilities": requested},
                            country=connection.account.country)
    if request.method == "POST" and form.is_valid():
        try:
            manage.set_capabilities(actor=request.membership, connection=connection,
                                    requested=set(form.cleaned_data["capabilities"]), request_meta=request_meta(request))
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            return _done(request, account_id, "Capabilities updated.")
    return _section(request, "accounts/_capabilities_form.html", {**context, "form": form},
                    status=422 if form.errors else 200)


# --- Payout schedule ---------------------------------------------------------------------------

def schedule_context(request: HttpRequest, connection) -> dict:
    interval_ok, delay_ok = manage.schedule_editable(connection)
    schedule = payout_schedule.Schedule.of(connection)
    today = timezone.localdate()
    can_edit = request.membership.can(permissions.EDIT_PAYOUT_SCHEDULE)
    reason = ""
    if not interval_ok:
        reason = "This account sets its own payout schedule in its Dashboard."
    elif not can_edit:
        reason = "Your role cannot change payout schedules."
    delay = payout_schedule.effective_delay_days(schedule, connection.account.country)
    return {
        "connection": connection, "account": connection.account, "schedule": schedule,
        "schedule_label": payout_schedule.describe(schedule),
        "next_payout": payout_schedule.next_payout_date(schedule, today - timedelta(days=1)),
        "delay": delay, "schedule_reason": reason, "can_edit_schedule": interval_ok and can_edit,
        "delay_editable": delay_ok,
    }


@require_http_methods(["GET", "POST"])
@operator_required(permissions.VIEW_ACCOUNTS)
def payout_schedule_section(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    context = schedule_context(request, connection)
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if not editing:
        return _section(request, "accounts/_payout_schedule_section.html", context)
    if not context["can_edit_schedule"]:
        raise PermissionDenied(context["schedule_reason"])
    minimum = payout_schedule.minimum_delay_days(connection.account.country)
    form = PayoutScheduleForm(
        request.POST if request.method == "POST" else None, minimum=minimum, delay_editable=context["delay_editable"],
        initial={"interval": connection.payout_interval, "weekly_anchor": connection.payout_weekly_anchor,
                 "monthly_anchor": connection.payout_monthly_anchor, "delay_days": connection.payout_delay_days},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            manage.update_payout_schedule(
                actor=request.membership, connection=connection, interval=data["interval"],
                delay_days=data["delay_days"] if context["delay_editable"] else connection.payout_delay_days,
                weekly_anchor=data.get("weekly_anchor") or "", monthly_anchor=data.get("monthly_anchor"),
                request_meta=request_meta(request),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            if not request.htmx:
                messages.success(request, "Payout schedule saved.")
                return redirect("accounts:detail", account_id)
            response = _section(request, "accounts/_payout_schedule_section.html", schedule_context(request, connection),
                                changed=True)
            return trigger_client_event(response, "show-toast", "Payout schedule saved")
    return _section(request, "accounts/_payout_schedule_form.html", {**context, "form": form},
                    status=422 if form.errors else 200)


# --- Remove account ----------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@operator_required(permissions.REMOVE_ACCOUNTS)
def remove_account(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    refusal = manage.removal_refusal(connection)
    reauth_form = security.reauth_form(request)
    fresh = True
    if request.method == "POST" and not refusal:
        fresh, reauth_form = security.reauthenticate(request)
    if request.method == "POST" and not refusal and fresh:
        try:
            manage.remove_connection(actor=request.membership, connection=connection, request_meta=request_meta(request))
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except AccountError as error:
            refusal = error.message
        else:
            messages.success(request, f"{connection.account.display_name} was removed from {request.platform.name}.")
            target = reverse("accounts:list")
            return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    template = "accounts/remove_dialog.html" if request.htmx else "accounts/remove_page.html"
    context = {"connection": connection, "account": connection.account, "refusal": refusal,
               "status_tone": tone_of(connection.status), "reauth_form": reauth_form}
    failed = request.method == "POST" and (refusal or not fresh)
    return render(request, template, context, status=422 if failed else 200)


# --- Reject account, Pause payouts / Resume payouts ----------------------------------------------

ACTIONS = {
    "reject": {"title": "Reject account", "button": "Reject account", "done": "{name} was rejected.",
               "refusal": manage.rejection_refusal},
    "pause_payouts": {"title": "Pause payouts", "button": "Pause payouts", "done": "Payouts to {name} are paused.",
                      "refusal": lambda c: manage.payouts_pause_refusal(c, pause=True)},
    "resume_payouts": {"title": "Resume payouts", "button": "Resume payouts", "done": "Payouts to {name} resumed.",
                       "refusal": lambda c: manage.payouts_pause_refusal(c, pause=False)},
}


@require_http_methods(["GET", "POST"])
@operator_required(permissions.REJECT_ACCOUNTS)
def reject_account(request: HttpRequest, account_id: str) -> HttpResponse:
    return _account_action(request, account_id, "reject", lambda connection, meta: manage.reject_account(
        actor=request.membership, connection=connection, reason=request.POST.get("reason", ""), request_meta=meta))


@require_http_methods(["GET", "POST"])
@operator_required(permissions.PAUSE_ACCOUNTS)
def pause_payouts(request: HttpRequest, account_id: str) -> HttpResponse:
    return _account_action(request, account_id, "pause_payouts", lambda connection, meta: manage.set_payouts_paused(
        actor=request.membership, connection=connection, paused=True, request_meta=meta))


@require_http_methods(["GET", "POST"])
@operator_required(permissions.PAUSE_ACCOUNTS)
def resume_payouts(request: HttpRequest, account_id: str) -> HttpResponse:
    return _account_action(request, account_id, "resume_payouts", lambda connection, meta: manage.set_payouts_paused(
        actor=request.membership, connection=connection, paused=False, request_meta=meta))


def _account_action(request: HttpRequest, account_id: str, action: str, perform) -> HttpResponse:
    """A confirmed, re-authenticated action of the ⋯ menu: the dialog explains it, the service decides."""
    spec = ACTIONS[action]
    connection = _connection(request, account_id)
    refusal = spec["refusal"](connection)
    reauth_form = security.reauth_form(request)
    error = ""
    if request.method == "POST" and not refusal:
        fresh, reauth_form = security.reauthenticate(request)
        if fresh:
            try:
                perform(connection, request_meta(request))
            except NotAllowed as problem:
                raise PermissionDenied(problem.message) from problem
            except AccountError as problem:
                error = problem.message
            else:
                messages.success(request, spec["done"].format(name=connection.account.display_name))
                target = reverse("accounts:detail", args=[account_id])
                return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    context = {"connection": connection, "account": connection.account, "refusal": refusal, "error": error,
               "action": action, "spec": spec, "reasons": manage.REJECT_REASONS, "reauth_form": reauth_form,
               "chosen_reason": request.POST.get("reason", "")}
    failed = request.method == "POST" and bool(refusal or error or (reauth_form is not None and reauth_form.errors))
    template = "accounts/account_action_dialog.html" if request.htmx else "accounts/account_action_page.html"
    return render(request, template, context, status=422 if failed else 200)
