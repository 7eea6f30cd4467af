"""Sign-in with a second factor, and each operator's own two-step settings."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import security, sessions, throttle
from .audit import record_audit, request_meta
from .decorators import operator_required, public_page
from .forms import EmailLoginForm, TimeZoneForm

PENDING = "console_pending_2fa"
MAX_CODE_ATTEMPTS = 5


class LoginView(auth_views.LoginView):
    """Email and password; operators with two-step authentication continue to the code page."""

    form_class = EmailLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Throttled before the password is even looked at; see throttle.py.
        email = request.POST.get("username", "")
        if refusal := throttle.check(request, email):
            form = self.form_class(request, initial={"username": email[:254]})
            return throttle.refuse(request, email, refusal, self.template_name, self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if not security.has_two_factor(user):
            response = super().form_valid(form)
            throttle.remember_device(response, user)
            return response
        self.request.session.cycle_key()
        self.request.session[PENDING] = {"user": user.pk, "backend": user.backend, "next": self.get_success_url(),
                                         "attempts": 0}
        return redirect("login_verify")


class CodeForm(forms.Form):
    code = forms.CharField(label="Authentication code", max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}),
                           help_text="The 6-digit code from your authenticator app, or one of your recovery codes.")


@public_page
@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (refusal := throttle.check(request, user.email)):
        return throttle.refuse(request, user.email, refusal, "registration/login_verify.html",
                               {"form": CodeForm(), "email": user.email})
    if request.method == "POST" and form.is_valid():
        device = security.verify_code(user, form.cleaned_data["code"])
        if device is not None:
            request.session.pop(PENDING, None)
            request.sign_in_reason = "two_factor"
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            target = pending.get("next") or "/"
            response = redirect(target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else "/")
            throttle.remember_device(response, user)
            return response
        pending["attempts"] += 1
        security.record_code_failure(request, user)
        if pending["attempts"] >= MAX_CODE_ATTEMPTS:
            request.session.pop(PENDING, None)
            messages.error(request, "Too many wrong codes. Sign in again.")
            return redirect("login")
        request.session[PENDING] = pending
        form.add_error("code", "That code is not valid. Check the time on your phone, or use a recovery code.")
    return render(request, "registration/login_verify.html", {"form": form, "email": user.email},
                  status=422 if form.errors else 200)


class EnrolForm(forms.Form):
    code = forms.CharField(label="Code from your app", max_length=10,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


def _audit(request, action: str) -> None:
    record_audit(actor=request.membership, action=action, after={"user": request.user.email},
                 request_meta=request_meta(request))


ENROL_AUTHORISED = "console_enrol_authorised"  # the unconfirmed authenticator this session may confirm


@sensitive_post_parameters("code", "reauth-password", "reauth-code")
@require_http_methods(["GET", "POST"])
@operator_required(allow_without_two_factor=True)
def security_settings(request: HttpRequest) -> HttpResponse:
    """Two-step authentication and the operator's sessions.

    Setting up, replacing or turning off the authenticator and new recovery codes always ask for
    the password (and a current code once enrolled): a borrowed or stolen session must not be
    able to take over the second factor. Passing that check does not make the session fresh for
    money movement or team changes; only signing in or their own re-authentication does.
    """
    user = request.user
    enrolled = security.has_two_factor(user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action in ("end_session", "end_other_sessions"):
        ended = sessions.end(request=request,
                             session_id=_pk(request.POST.get("session")) if action == "end_session" else None)
        messages.success(request, f"Signed out {ended} other session{'s' if ended != 1 else ''}." if ended
                         else "That session had already ended.")
        return redirect("security_settings")

    if action == "time_zone":
        zone_form = TimeZoneForm(request.POST)
        if zone_form.is_valid():
            before, user.time_zone = user.time_zone, zone_form.cleaned_data["time_zone"]
            user.save(update_fields=["time_zone"])
            record_audit(actor=request.membership, action="member.time_zone_changed", before={"time_zone": before},
                         after={"user": user.email, "time_zone": user.time_zone}, request_meta=request_meta(request))
            messages.success(request, f"Times are now shown in {user.time_zone or settings.TIME_ZONE}.")
            return redirect("security_settings")
    else:
        zone_form = TimeZoneForm(initial={"time_zone": user.time_zone})

    step_up = security.step_up(request) if action in ("start", "replace", "codes", "disable") else None
    if step_up is not None and step_up.is_valid():
        if action in ("start", "replace"):
            request.session[ENROL_AUTHORISED] = security.start_enrolment(user).pk
            return redirect("security_settings")
        if action == "codes":
            _audit(request, "two_factor.recovery_codes_regenerated")
            return render(request, "platform_console/recovery_codes.html", {"codes": security.new_recovery_codes(user)})
        if request.platform.require_two_step_auth:
            step_up.add_error(None, "Your platform requires two-step authentication; it cannot be turned off.")
        else:
            security.disable_two_factor(user)
            _audit(request, "two_factor.disabled")
            messages.success(request, "Two-step authentication is off.")
            return redirect("security_settings")

    context: dict = {"zone_form": zone_form, "default_zone": settings.TIME_ZONE,
                     "enrolled": enrolled, "required": request.platform.require_two_step_auth,
                     "step_up": step_up or security.step_up_form(request), "sessions": sessions.list_for(request)}
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if pending is not None and request.session.get(ENROL_AUTHORISED) == pending.pk:
        form = EnrolForm(request.POST if action == "confirm" else None)
        if action == "confirm" and form.is_valid():
            codes = security.confirm_enrolment(user, pending, form.cleaned_data["code"])
            if codes is None:
                form.add_error("code", "That code did not match. Enter the current code shown in your app.")
            else:
                request.session.pop(ENROL_AUTHORISED, None)
                _audit(request, "two_factor.replaced" if enrolled else "two_factor.enabled")
                return render(request, "platform_console/recovery_codes.html", {"codes": codes})
        context.update(pending=pending, qr=security.qr_svg(pending), secret=security.secret_base32(pending), form=form)
    elif action == "confirm":
        messages.error(request, "Start the set-up again: confirm it with your password first.")
        return redirect("security_settings")
    status = 422 if any(getattr(f, "errors", None) for f in (context.get("form"), step_up, zone_form)) else 200
    return render(request, "platform_console/security_settings.html", context, status=status)


def _pk(value: str | None) -> int:
    """A posted id, or 0 (matches nothing) for anything that is not one."""
    return int(value) if value and value.isdigit() and len(value) < 19 else 0
