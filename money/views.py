"""Balances, Transfers, Top-ups, Account balances, and the money dialogs.

Dialogs are server-rendered: a GET returns the `<dialog>` (or a page when not requested by htmx)
with a fresh idempotency key; POST step=review validates and shows the summary to confirm;
POST step=confirm calls the service. Success answers 204 with HX-Trigger events
(balances-changed, close-dialog, show-toast), or redirects without htmx; refusals re-render the
dialog with 422 and the message next to its field.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from accounts.selectors import get_connection
from accounts.status import tone_of
from platform_console import exports as platform_exports
from platform_console import permissions, security
from platform_console.audit import request_meta
from platform_console.decorators import operator_required
from platform_console.ids import matches_prefix
from platform_console.pagination import keyset_page

from . import currency as currencies
from . import exports, idempotency, rules, selectors, services
from .errors import MoneyError, OperationNotPermitted
from .forms import AddToBalanceForm, DebitConsentForm, PullFundsForm, ReverseTransferForm, SendFundsForm
from .panels import account_panel_context, action_states, payout_schedule_label
from .templatetags.money_ui import destination_label

fmt = currencies.format_money


# Helpers -------------------------------------------------------------------------------------


def _done(request: HttpRequest, toast: str, fallback: str) -> HttpResponse:
    """The answer to a successful write: 204 + events for htmx, a redirect otherwise."""
    if not request.htmx:
        messages.success(request, toast)
        return redirect(fallback)
    response = HttpResponse(status=204)
    # htmx fires these in order on the element that made the request, and close-dialog removes
    # that element with its dialog: events after it would no longer reach the document.
    trigger_client_event(response, "show-toast", {"value": toast})
    trigger_client_event(response, "balances-changed")
    return trigger_client_event(response, "close-dialog")


def _add_refusal(form, error: MoneyError) -> None:
    if isinstance(error, OperationNotPermitted):
        raise PermissionDenied(error.message) from error
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _dialog(request: HttpRequest, body: str, context: dict, *, title: str, testid: str, status: int = 200):
    template = "money/dialog.html" if request.htmx else "money/dialog_page.html"
    return render(
        request, template, {**context, "body": body, "title": title, "testid": testid}, status=status
    )


def _reauthenticate(request: HttpRequest, context: dict, step: str) -> str:
    """Money moves only after a recent authentication: the review step carries a password (and
    code) field when the session is older than REAUTH_MAX_AGE; a confirm without the right
    credentials goes back to the review, with what was typed kept in its hidden fields."""
    context["reauth_form"] = security.reauth_form(request)
    if step != "confirm":
        return step
    fresh, form = security.reauthenticate(request)
    if fresh:
        context["reauth_form"] = None
        return step
    context["reauth_form"] = form
    return "review"


def _reauth_errors(context: dict) -> bool:
    form = context.get("reauth_form")
    return bool(form is not None and form.is_bound and form.errors)


def _step(request: HttpRequest) -> str:
    return request.POST.get("step", "") if request.method == "POST" else ""


def _permission_state(request: HttpRequest, permission: str) -> str:
    refusal = rules.permission_refusal(request.membership, permission)
    return refusal.message if refusal else ""


def _page_of(request: HttpRequest, queryset):
    return keyset_page(queryset, after=request.GET.get("after", ""), before=request.GET.get("before", ""))


def _partial(request: HttpRequest, template: str, name: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{name}"
    return template


# Balances (platform) -------------------------------------------------------------------------


def _balances_context(request: HttpRequest, tab: str) -> dict:
    return {
        "tab": tab,
        "balances": selectors.platform_balances(platform=request.platform, livemode=request.livemode),
        "add_refusal": _permission_state(request, permissions.ADD_TO_BALANCE),
        "send_refusal": _permission_state(request, permissions.SEND_FUNDS),
        "can_export": request.membership.can(permissions.EXPORT_ACCOUNTS),
        "stream_limit": platform_exports.STREAM_LIMIT,
    }


@require_safe
@operator_required(permissions.VIEW_BALANCES)
@vary_on_headers("HX-Request")
def balances(request: HttpRequest) -> HttpResponse:
    """The platform's balances per currency and its balance activity."""
    context = _balances_context(request, "overview")
    context["page"] = _page_of(
        request, selectors.platform_activity(platform=request.platform, livemode=request.livemode)
    )
    template = "money/balances.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#activity" if request.GET.get("part") == "activity" else "#summary"
    return render(request, template, context)


def _transfer_filters(request: HttpRequest) -> dict:
    currency = request.GET.get("currency", "")
    route = request.GET.get("route", "")
    return {
        "q": request.GET.get("q", "").strip()[:200],
        "currency": currency if currencies.is_supported(currency) else "",
        "route": route if route in ("balance", "payout") else "",
    }


@require_safe
@operator_required(permissions.VIEW_BALANCES)
@vary_on_headers("HX-Request")
def transfer_list(request: HttpRequest) -> HttpResponse:
    filters = _transfer_filters(request)
    q, currency, route = filters["q"], filters["currency"], filters["route"]
    transfers = selectors.search_transfers(platform=request.platform, livemode=request.livemode, **filters)
    context = {
        **_balances_context(request, "transfers"),
        "page": _page_of(request, transfers),
        "filters": {"q": q, "currency": currency, "route": route},
        "is_filtered": bool(q or currency or route),
        "currency_choices": selectors.supported_currencies(),
    }
    return render(request, _partial(request, "money/transfers.html", "results"), context)


def _export(request: HttpRequest, *, kind: str, filters: dict, back: str) -> HttpResponse:
    """The CSV of `kind` within the chosen days; days in the wrong order are refused with the way
    forward. Streamed, or written by a job when long (platform_console/exports.py)."""
    try:
        start, end = exports.parse_day(request.GET.get("from", "")), exports.parse_day(request.GET.get("to", ""))
    except ValueError:
        messages.error(request, "The export's days must be real days, such as 2026-12-01. Choose them again.")
        return redirect(back)
    if start and end and start > end:
        messages.error(request, "The export's first day is after its last day. Choose the days again.")
        return redirect(back)
    days = {"from": start.isoformat() if start else "", "to": end.isoformat() if end else "",
            "tz": timezone.get_current_timezone_name() if start or end else ""}
    return platform_exports.respond(request, kind=kind, params={**filters, **days}, action=f"{kind}.exported")


@require_safe
@operator_required(permissions.EXPORT_ACCOUNTS, also=(permissions.VIEW_BALANCES,))
def transfers_export(request: HttpRequest) -> HttpResponse:
    """The Transfers list as CSV, with its filters and search and a date range."""
    back = f"{reverse('money:transfers')}?{request.GET.urlencode()}"
    return _export(request, kind="transfers", filters=_transfer_filters(request), back=back)


@require_safe
@operator_required(permissions.EXPORT_ACCOUNTS, also=(permissions.VIEW_BALANCES,))
def activity_export(request: HttpRequest) -> HttpResponse:
    """The platform balance's activity as CSV, within a date range."""
    return _export(request, kind="balance-activity", filters={}, back=reverse("money:balances"))


@require_safe
@operator_required(permissions.VIEW_BALANCES)
@vary_on_headers("HX-Request")
def topup_list(request: HttpRequest) -> HttpResponse:
    context = {
        **_balances_context(request, "topups"),
        "page": _page_of(request, selectors.topups(platform=request.platform, livemode=request.livemode)),
    }
    return render(request, _partial(request, "money/topups.html", "results"), context)


@require_safe
@operator_required(permissions.VIEW_BALANCES)
def transfer_detail(request: HttpRequest, transfer_id: str) -> HttpResponse:
    if not matches_prefix(transfer_id, "tr_"):
        raise Http404("No such transfer")
    transfer = selectors.get_transfer(
        platform=request.platform, livemode=request.livemode, transfer_id=transfer_id
    )
    if transfer is None:
        raise Http404("No such transfer")
    return render(
        request,
        "money/transfer_detail.html",
        {
            "transfer": transfer,
            "payout": getattr(transfer, "payout", None),
            "reversals": selectors.transfer_reversals(transfer),
            "reverse_refusal": _reverse_refusal(request, transfer),
        },
    )


def _reverse_refusal(request: HttpRequest, transfer) -> str:
    """Why Reverse transfer is disabled for this operator and transfer, or ""."""
    if refusal := _permission_state(request, permissions.REVERSE_TRANSFERS):
        return refusal
    if transfer.reversible_amount <= 0:
        return rules.reversal_too_large(0, transfer.currency).message
    return ""


def _transfer_or_404(request: HttpRequest, transfer_id: str):
    transfer = None
    if matches_prefix(transfer_id, "tr_"):
        transfer = selectors.get_transfer(platform=request.platform, livemode=request.livemode, transfer_id=transfer_id)
    if transfer is None:
        raise Http404("No such transfer")
    return transfer


@require_http_methods(["GET", "POST"])
@operator_required(permissions.REVERSE_TRANSFERS)
def reverse_transfer(request: HttpRequest, transfer_id: str) -> HttpResponse:
    """The Reverse transfer dialog: full or partial, with a reason; reviewed, re-authenticated."""
    transfer = _transfer_or_404(request, transfer_id)
    currency = transfer.currency
    initial = {
        "idempotency_key": idempotency.new_key(),
        "amount": currencies.input_value(transfer.reversible_amount, currency),
    }
    form = ReverseTransferForm(request.POST if request.method == "POST" else None, currency=currency, initial=initial)
    context = {
        "form": form,
        "step": "form",
        "transfer": transfer,
        "currency": currency,
        "blocker": _reverse_refusal(request, transfer),
        "account_available": selectors.connection_available(transfer.connection, currency),
    }
    step = _reauthenticate(request, context, _step(request))
    status = 200
    if request.method == "POST" and step != "edit":
        if context["blocker"]:
            form.is_valid()
            form.add_error(None, context["blocker"])
        elif form.is_valid():
            data = form.cleaned_data
            arguments = {"actor": request.membership, "transfer": transfer, "amount": data["amount_minor"],
                         "reason": data["reason"]}
            try:
                if step == "confirm":
                    reversal = services.reverse_transfer(
                        **arguments, description=data["description"], idempotency_key=data["idempotency_key"],
                        request_meta=request_meta(request),
                    )
                    toast = f"Reversed {fmt(reversal.amount, currency)} of {transfer.public_id}."
                    return _done(request, toast, reverse("money:transfer_detail", args=[transfer.public_id]))
                context.update(step="review", reason_label=dict(form.fields["reason"].choices)[data["reason"]],
                               **services.preview_reversal(**arguments))
            except MoneyError as error:
                _add_refusal(form, error)
        status = 422 if form.errors or _reauth_errors(context) else 200
    return _dialog(
        request,
        "money/_reverse_transfer_form.html",
        context,
        title="Reverse transfer",
        testid="reverse-transfer-dialog",
        status=status,
    )


# Add to balance ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@operator_required(permissions.ADD_TO_BALANCE)
def add_to_balance(request: HttpRequest) -> HttpResponse:
    platform = request.platform
    form = AddToBalanceForm(
        request.POST if request.method == "POST" else None,
        livemode=request.livemode,
        default_currency=platform.default_currency,
        initial={"idempotency_key": idempotency.new_key()},
    )
    context = {"form": form, "step": "form", "pending_days": settings.MONEY_TOPUP_PENDING_DAYS}
    step = _step(request)
    step = _reauthenticate(request, context, step)
    status = 200
    if request.method == "POST" and step != "edit":
        if form.is_valid():
            data = form.cleaned_data
            amount, currency = data["amount_minor"], data["currency"]
            if step == "confirm":
                try:
                    topup = services.add_to_balance(
                        actor=request.membership,
                        amount=amount,
                        currency=currency,
                        livemode=request.livemode,
                        idempotency_key=data["idempotency_key"],
                        description=data["description"],
                        source_token=data.get("source_token") or "",
                        request_meta=request_meta(request),
                    )
                except MoneyError as error:
                    _add_refusal(form, error)
                else:
                    return _done(request, _topup_toast(topup), reverse("money:topups"))
            else:
                context.update(
                    step="review",
                    amount=amount,
                    currency=currency,
                    available=selectors.platform_available(
                        platform=platform, livemode=request.livemode, currency=currency
                    ),
                )
        status = 422 if form.errors or _reauth_errors(context) else 200
    return _dialog(
        request,
        "money/_add_to_balance_form.html",
        context,
        title="Add to balance",
        testid="add-to-balance-dialog",
        status=status,
    )


def _topup_toast(topup) -> str:
    amount = fmt(topup.amount, topup.currency)
    if topup.status == topup.Status.FAILED:
        return f"The top-up of {amount} failed: {topup.failure_code.replace('_', ' ')}."
    if topup.status == topup.Status.PENDING:
        return f"{amount} is on its way; it becomes available when the transfer from your bank settles."
    return f"Added {amount} to your balance."


# Send funds ----------------------------------------------------------------------------------


def _send_context(request: HttpRequest, form: SendFundsForm, destination) -> dict:
    can_external = request.membership.can(permissions.SEND_TO_EXTERNAL)
    context = {
        "form": form,
        "step": "form",
        "destination": destination,
        "can_external": can_external,
        "destination_refusal": "",
        "routes": [],
    }
    if destination is not None:
        refusal = rules.transfer_refusal(destination)
        context["destination_refusal"] = refusal.message if refusal else ""
        if can_external and destination.is_platform_liable:
            context["routes"] = selectors.payout_destinations(destination)
        elif destination.is_platform_liable:
            context["external_refusal"] = rules.PERMISSION_SENTENCES[permissions.SEND_TO_EXTERNAL]
    return context


@require_http_methods(["GET", "POST"])
@operator_required(permissions.SEND_FUNDS)
def send_funds(request: HttpRequest) -> HttpResponse:
    """The New transfer dialog ("Send funds")."""
    platform, livemode = request.platform, request.livemode
    chosen = (
        request.POST.get("destination") if request.method == "POST" else request.GET.get("destination", "")
    )
    destination = selectors.destination(
        platform=platform, livemode=livemode, account_id=(chosen or "").strip()
    )
    initial = {
        "idempotency_key": idempotency.new_key(),
        "send_to": "balance",
        "currency": destination.account.default_currency if destination else platform.default_currency,
    }
    if destination is not None:
        initial["destination"] = destination.public_id
    form = SendFundsForm(request.POST if request.method == "POST" else None, initial=initial)
    context = _send_context(request, form, destination)
    step = _step(request)
    step = _reauthenticate(request, context, step)
    status = 200
    if request.method == "POST" and step != "edit":
        if form.is_valid():
            data = form.cleaned_data
            if destination is None:
                form.add_error("destination", "Choose an account connected to your platform.")
            else:
                amount, currency = data["amount_minor"], data["currency"]
                send_to = None
                if data["send_to"] != "balance":
                    send_to = next((d for d in context["routes"] if d.public_id == data["send_to"]), None)
                    if send_to is None:
                        form.add_error(
                            "send_to", "Choose one of this account's bank accounts or debit cards."
                        )
                if not form.errors and step == "confirm":
                    try:
                        transfer = services.create_transfer(
                            actor=request.membership,
                            connection=destination,
                            amount=amount,
                            currency=currency,
                            idempotency_key=data["idempotency_key"],
                            description=data["description"],
                            send_to=send_to,
                            request_meta=request_meta(request),
                        )
                    except MoneyError as error:
                        _add_refusal(form, error)
                    else:
                        return _done(request, _transfer_toast(transfer), reverse("money:transfers"))
                elif not form.errors:
                    _review_transfer(request, form, context, destination, amount, currency, send_to)
        status = 422 if form.errors or _reauth_errors(context) else 200
    return _dialog(
        request,
        "money/_send_funds_form.html",
        context,
        title="Send funds",
        testid="send-funds-dialog",
        status=status,
    )


def _review_transfer(request, form, context, destination, amount, currency, send_to) -> None:
    """The summary step: the service's own checks, with the balance read unlocked, so that most
    refusals show before the operator confirms (the engine decides again at the write)."""
    try:
        available = services.preview_transfer(
            actor=request.membership, connection=destination, amount=amount, currency=currency, send_to=send_to
        )
    except MoneyError as error:
        _add_refusal(form, error)
        return
    context.update(
        step="review",
        amount=amount,
        currency=currency,
        send_to=send_to,
        available=available,
        available_after=available - amount,
        payout_days=settings.MONEY_STANDARD_PAYOUT_DAYS,
    )


def _transfer_toast(transfer) -> str:
    amount = fmt(transfer.amount, transfer.currency)
    name = transfer.connection.account.display_name
    payout = getattr(transfer, "payout", None)
    if payout is None:
        return f"Sent {amount} to {name}."
    where = destination_label(payout.destination)
    if payout.status == payout.Status.FAILED:
        return f"Sent {amount} to {rules.possessive(name)} balance, but the payout to {where} failed: {payout.failure_message or payout.failure_code}"
    if payout.status == payout.Status.PAID:
        return f"Sent {amount} to {rules.possessive(name)} {where}."
    return f"Sent {amount} to {name}; the payout to {where} is on its way."


@require_safe
@operator_required(permissions.SEND_FUNDS)
def destination_search(request: HttpRequest) -> HttpResponse:
    results = selectors.find_destinations(
        platform=request.platform, livemode=request.livemode, text=request.GET.get("q", "")
    )
    rows = []
    for connection in results:
        refusal = rules.transfer_refusal(connection)
        rows.append({"connection": connection, "refusal": refusal.message if refusal else ""})
    return render(request, "money/_destination_results.html", {"rows": rows, "q": request.GET.get("q", "")})


@require_safe
@operator_required(permissions.SEND_FUNDS)
def destination_pick(request: HttpRequest) -> HttpResponse:
    """The destination block of the send-funds dialog, for the chosen account (or the search
    box again when none is chosen)."""
    destination = selectors.destination(
        platform=request.platform,
        livemode=request.livemode,
        account_id=request.GET.get("destination", "").strip(),
    )
    form = SendFundsForm(
        initial={
            "send_to": "balance",
            "currency": destination.account.default_currency
            if destination
            else request.platform.default_currency,
        }
    )
    context = _send_context(request, form, destination)
    context["oob_currency"] = destination is not None
    return render(request, "money/_destination_block.html", context)


# Account balances ----------------------------------------------------------------------------


def _connection(request: HttpRequest, account_id: str):
    return get_connection(platform=request.platform, livemode=request.livemode, account_id=account_id)


@require_safe
@operator_required(permissions.VIEW_BALANCES)
@vary_on_headers("HX-Request")
def account_balances(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    context = {
        "connection": connection,
        "account": connection.account,
        "status_tone": tone_of(connection.status),
        "tab": "balances",
        "balances": selectors.connection_balances(connection),
        "transfers": list(selectors.connection_transfers(connection).order_by("-created_at", "-pk")[:20]),
        "payouts": list(selectors.connection_payouts(connection).order_by("-created_at", "-pk")[:20]),
        "debits": list(selectors.connection_debits(connection).order_by("-created_at", "-pk")[:20]),
        "schedule": payout_schedule_label(connection),
        "destinations": selectors.payout_destinations(connection),
        "consent_text_version": _consent_version(),
        **action_states(request, connection),
    }
    return render(request, _partial(request, "money/account_balances.html", "account-money"), context)


@require_safe
@operator_required(permissions.VIEW_ACCOUNTS)
def account_panel(request: HttpRequest, account_id: str) -> HttpResponse:
    """The Balances panel of Account details, reloaded after money moved."""
    connection = _connection(request, account_id)
    return render(request, "money/_account_panel.html", {"panel": account_panel_context(request, connection)})


def _consent_version() -> str:
    return settings.MONEY_DEBIT_CONSENT_TEXT_VERSION


@require_http_methods(["GET", "POST"])
@operator_required(permissions.PULL_FUNDS)
def pull_funds(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    currency = connection.account.default_currency
    form = PullFundsForm(
        request.POST if request.method == "POST" else None, currency=currency, initial={"idempotency_key": idempotency.new_key()}
    )
    consent = rules.current_consent(connection)
    blocker = rules.debit_refusal(connection, request.platform, consent)
    available = selectors.connection_available(connection, currency)
    context = {
        "form": form,
        "step": "form",
        "connection": connection,
        "currency": currency,
        "consent": consent,
        "blocker": blocker.message if blocker else "",
        "account_available": available,
        "fee_bps": _fee_settings()[0],
        "fee_fixed": _fee_settings()[1].get(currency, 0),
    }
    step = _step(request)
    step = _reauthenticate(request, context, step)
    status = 200
    if request.method == "POST" and step != "edit":
        if blocker is not None:
            form.is_valid()  # errors can only be added to a validated form
            form.add_error(None, blocker.message)
        elif form.is_valid():
            data = form.cleaned_data
            amount = data["amount_minor"]
            if step == "confirm":
                try:
                    debit = services.create_account_debit(
                        actor=request.membership,
                        connection=connection,
                        amount=amount,
                        idempotency_key=data["idempotency_key"],
                        description=data["description"],
                        request_meta=request_meta(request),
                    )
                except MoneyError as error:
                    _add_refusal(form, error)
                else:
                    toast = f"Pulled {fmt(debit.amount, currency)} from {connection.account.display_name}."
                    return _done(request, toast, reverse("money:account_balances", args=[account_id]))
            else:
                try:
                    context.update(
                        step="review",
                        **services.preview_account_debit(
                            actor=request.membership, connection=connection, amount=amount
                        ),
                    )
                except MoneyError as error:
                    _add_refusal(form, error)
        status = 422 if form.errors or _reauth_errors(context) else 200
    return _dialog(
        request,
        "money/_pull_funds_form.html",
        context,
        title="Pull funds",
        testid="pull-funds-dialog",
        status=status,
    )


def _fee_settings() -> tuple[int, dict]:
    return settings.ACCOUNT_DEBIT_FEE_BPS, settings.ACCOUNT_DEBIT_FEE_FIXED


@require_http_methods(["GET", "POST"])
@operator_required(permissions.PULL_FUNDS)
def debit_consent(request: HttpRequest, account_id: str) -> HttpResponse:
    """Record the account holder's consent to account debits."""
    connection = _connection(request, account_id)
    form = DebitConsentForm(request.POST if request.method == "POST" else None)
    context = {
        "form": form,
        "connection": connection,
        "consent_text_version": _consent_version(),
        "consent": rules.current_consent(connection),
    }
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_debit_consent(
                    actor=request.membership,
                    connection=connection,
                    granted_by=data["granted_by"],
                    granted_at=data["granted_at"],
                    ip=data["ip"] or None,
                    request_meta=request_meta(request),
                )
            except MoneyError as error:
                _add_refusal(form, error)
            else:
                toast = (
                    f"Recorded {rules.possessive(connection.account.display_name)} consent to account debits."
                )
                return _done(request, toast, reverse("money:account_balances", args=[account_id]))
        return _dialog(
            request,
            "money/_debit_consent_form.html",
            context,
            title="Record debit consent",
            testid="debit-consent-dialog",
            status=422,
        )
    return _dialog(
        request,
        "money/_debit_consent_form.html",
        context,
        title="Record debit consent",
        testid="debit-consent-dialog",
    )
