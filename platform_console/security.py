"""Operator security: sign-in auditing and lockouts, two-factor helpers, re-authentication.

Sign-in throttling is in throttle.py, the list of an operator's sessions in sessions.py.

Two-step sign-in uses django-otp: a TOTP device (authenticator app) and a static device holding
single-use recovery codes. Re-authentication protects money movement and account removal: when
the last authentication is older than REAUTH_MAX_AGE the dialog asks for the password (and a
code where enrolled) before the final step.
"""

import base64
import secrets
import time
from datetime import timedelta

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Count, Max
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import sessions, throttle
from .audit import record_audit, request_meta
from .models import Membership, OperatorSession, SignInAttempt, User

SESSION_AUTH_AT = "console_auth_at"
RECOVERY_CODES = 10


def _record_sign_in(email: str, request: HttpRequest | None, *, succeeded: bool, reason: str) -> None:
    """Every try goes to the security log; only a completed sign-in is also an event in the
    platform's audit log (failures are summed per member on the Team page instead: anonymous
    guessing must not flood an operator-facing log)."""
    throttle.record(request, email, succeeded=succeeded, reason=reason)
    if not succeeded:
        return
    email = throttle.normalise(email)
    for membership in Membership.objects.filter(user__email=email).select_related("platform", "user"):
        record_audit(actor=membership, platform=membership.platform, action="sign_in.succeeded",
                     after={"email": email, "reason": reason}, actor_label=email,
                     request_meta=request_meta(request))


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    mark_fresh(request)
    sessions.started(request, user)
    _record_sign_in(user.email, request, succeeded=True, reason=getattr(request, "sign_in_reason", "password"))


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    sessions.ended(request)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    reason = getattr(request, "sign_in_reason", "password") if request is not None else "password"
    _record_sign_in(credentials.get("username", ""), request, succeeded=False, reason=reason)


def failed_sign_ins_by_email(emails: list[str], hours: int = 24) -> dict[str, dict]:
    """The platform's view of the security log: per member, failed tries at their password or
    code in the last `hours` (count and latest), from one grouped query."""
    since = timezone.now() - timedelta(hours=hours)
    rows = (SignInAttempt.objects.filter(email__in=emails, succeeded=False, created_at__gte=since).order_by()
            .values("email").annotate(count=Count("id"), last=Max("created_at")))
    return {row["email"]: row for row in rows}


def prune_records() -> dict:
    """The security log older than SECURITY_LOG_DAYS, and listed sessions unused for longer than a
    session can live (Django's own expired sessions go with `clearsessions`)."""
    now = timezone.now()
    attempts, _ = SignInAttempt.objects.filter(created_at__lt=now - timedelta(days=settings.SECURITY_LOG_DAYS)).delete()
    stale, _ = OperatorSession.objects.filter(last_seen_at__lt=now - timedelta(seconds=settings.SESSION_LIFETIME)).delete()
    return {"sign_in_attempts": attempts, "sessions": stale}


def record_code_failure(request: HttpRequest, user: User, reason: str = "second_factor") -> None:
    _record_sign_in(user.email, request, succeeded=False, reason=reason)


# --- re-authentication --------------------------------------------------------------------------

def mark_fresh(request: HttpRequest) -> None:
    if hasattr(request, "session"):
        request.session[SESSION_AUTH_AT] = int(time.time())


def is_fresh(request: HttpRequest) -> bool:
    authenticated_at = request.session.get(SESSION_AUTH_AT, 0)
    return time.time() - authenticated_at <= settings.REAUTH_MAX_AGE


class ReauthForm(forms.Form):
    """Password (and code where enrolled) inside a money or removal dialog. Prefixed so its fields
    never collide with the dialog's own."""

    prefix = "reauth"
    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user: User, request: HttpRequest | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        if has_two_factor(user):
            self.fields["code"] = forms.CharField(
                label="Authentication code", max_length=12,
                widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
            )

    def clean(self):
        data = super().clean()
        # The sign-in throttle applies here as at sign-in, and wrong passwords and codes count:
        # a stolen session cannot guess its way to moving money.
        if self.request is not None and (refusal := throttle.check(self.request, self.user.email, in_session=True)):
            raise forms.ValidationError(refusal.message)
        if "password" in data:
            if self.request is not None:
                self.request.sign_in_reason = throttle.REAUTH_PASSWORD  # how the failure signal records it
            user = authenticate(self.request, username=self.user.email, password=data["password"])
            if user is None or user.pk != self.user.pk:
                self.add_error("password", "That password is not right.")
        # The code is tried only behind the right password, so a wrong password spends no code.
        code = data.get("code") if not self.has_error("password") else None
        if code and not verify_code(self.user, code):
            if self.request is not None:
                record_code_failure(self.request, self.user, reason=throttle.REAUTH_CODE)
            self.add_error("code", "That code is not valid. Use the current code from your app or a recovery code.")
        return data


def step_up(request: HttpRequest) -> ReauthForm:
    """The posted password (and current code) that changing one's own sign-in security always
    asks for. Unlike reauthenticate(), passing it does not make the session fresh."""
    return ReauthForm(request.POST, user=request.user, request=request)


def step_up_form(request: HttpRequest) -> ReauthForm:
    return ReauthForm(user=request.user, request=request)


def reauth_form(request: HttpRequest) -> ReauthForm | None:
    """An empty re-authentication form when the session is too old to move money, else None."""
    return None if is_fresh(request) else ReauthForm(user=request.user, request=request)


def reauthenticate(request: HttpRequest) -> tuple[bool, ReauthForm | None]:
    """At the final step of a protected action: (True, None) when fresh or when the submitted
    credentials are right (the session becomes fresh); otherwise (False, the form with errors)."""
    if is_fresh(request):
        return True, None
    form = ReauthForm(request.POST, user=request.user, request=request)
    if form.is_valid():
        mark_fresh(request)
        return True, None
    return False, form


def reauth_page(request: HttpRequest, form: ReauthForm | None, *, title: str, summary: str,
                cancel_url: str) -> HttpResponse:
    """For a plain (non-dialog) form whose session is too old: ask for the password and post the
    same fields again. Nothing was changed yet; 422 says so to scripts and tests."""
    carried = [(name, value) for name, values in request.POST.lists()
               if name != "csrfmiddlewaretoken" and not name.startswith(f"{ReauthForm.prefix}-") for value in values]
    submitted = any(name.startswith(f"{ReauthForm.prefix}-") for name in request.POST)
    return render(request, "platform_console/reauth_required.html",
                  {"form": form if submitted else ReauthForm(user=request.user, request=request),
                   "carried": carried, "title": title, "summary": summary, "cancel_url": cancel_url}, status=422)


# --- two-factor ---------------------------------------------------------------------------------

def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def verify_code(user: User, code: str) -> object | None:
    """The device that accepts `code` (the authenticator's TOTP, or one unused recovery code —
    which is then spent), or None."""
    code = "".join(code.split()).replace("-", "")
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def start_enrolment(user: User) -> TOTPDevice:
    """A fresh unconfirmed authenticator for the user (earlier unconfirmed ones are dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an SVG QR code, rendered here (no outside service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def confirm_enrolment(user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator with a first code; returns the recovery codes (shown once)."""
    if not device.verify_token("".join(code.split())):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    static, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    static.token_set.all().delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    # django-otp's static tokens are compared as stored; the dash is for reading only.
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code.replace("-", "")) for code in codes)
    return codes


def disable_two_factor(user: User) -> None:
    for device in devices_for_user(user, confirmed=None):
        device.delete()


def requires_enrolment(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership and membership.platform.require_two_step_auth and not has_two_factor(request.user))


def now_ts() -> int:
    return int(timezone.now().timestamp())
