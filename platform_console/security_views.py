"""Sign-in with a second factor, and each operator's own two-step settings."""

from django import forms
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

from . import security
from .audit import record_audit
from .decorators import operator_required, public_page
from .forms import EmailLoginForm
from .middleware import request_meta
from .models import SignInAttempt

PENDING = "console_pending_2fa"
MAX_CODE_ATTEMPTS = 5


class LoginView(auth_views.LoginView):
    """Email and password; operators with two-step authentication continue to the code page."""

    form_class = EmailLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not security.has_two_factor(user):
            return super().form_valid(form)
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
    if request.method == "POST" and form.is_valid():
        device = security.verify_code(user, form.cleaned_data["code"])
        if device is not None:
            request.session.pop(PENDING, None)
            request.sign_in_reason = "two_factor"
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            target = pending.get("next") or "/"
            return redirect(target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else "/")
        pending["attempts"] += 1
        SignInAttempt.objects.create(email=user.email, ip=security.client_ip(request), succeeded=False,
                                     reason="second_factor")
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


class PasswordForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError("That password is not right.")
        return self.cleaned_data["password"]


def _audit(request, action: str) -> None:
    record_audit(actor=request.membership, action=action, after={"user": request.user.email},
                 request_meta=request_meta(request))


@sensitive_post_parameters("code", "password")
@require_http_methods(["GET", "POST"])
@operator_required(allow_without_two_factor=True)
def security_settings(request: HttpRequest) -> HttpResponse:
    """Two-step authentication: enrol (QR code rendered here), confirm, recovery codes, turn off."""
    user = request.user
    enrolled = security.has_two_factor(user)
    context: dict = {"enrolled": enrolled, "required": request.platform.require_two_step_auth}
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "start" and not enrolled:
        security.start_enrolment(user)
        return redirect("security_settings")
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if pending is not None and not enrolled:
        form = EnrolForm(request.POST if action == "confirm" else None)
        if action == "confirm" and form.is_valid():
            codes = security.confirm_enrolment(user, pending, form.cleaned_data["code"])
            if codes is None:
                form.add_error("code", "That code did not match. Enter the current code shown in your app.")
            else:
                security.mark_fresh(request)
                _audit(request, "two_factor.enabled")
                return render(request, "platform_console/recovery_codes.html", {"codes": codes})
        context.update(pending=pending, qr=security.qr_svg(pending), secret=security.secret_base32(pending), form=form)
    if enrolled:
        password_form = PasswordForm(request.POST if action in ("codes", "disable") else None, user=user)
        if action in ("codes", "disable") and password_form.is_valid():
            if action == "codes":
                _audit(request, "two_factor.recovery_codes_regenerated")
                return render(request, "platform_console/recovery_codes.html",
                              {"codes": security.new_recovery_codes(user)})
            if context["required"]:
                password_form.add_error(None, "Your platform requires two-step authentication; it cannot be turned off.")
            else:
                security.disable_two_factor(user)
                _audit(request, "two_factor.disabled")
                messages.success(request, "Two-step authentication is off.")
                return redirect("security_settings")
        context["password_form"] = password_form
    status = 422 if any(getattr(f, "errors", None) for f in (context.get("form"), context.get("password_form"))) else 200
    return render(request, "platform_console/security_settings.html", context, status=status)
