"""Operator security: sign-in auditing and lockouts, two-factor helpers, re-authentication.

Two-step sign-in uses django-otp: a TOTP device (authenticator app) and a static device holding
single-use recovery codes. Re-authentication protects money movement and account removal: when
the last authentication is older than REAUTH_MAX_AGE the dialog asks for the password (and a
code where enrolled) before the final step.
"""

import base64
import secrets
import time

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import record_audit
from .models import Membership, SignInAttempt, User

SESSION_AUTH_AT = "console_auth_at"
RECOVERY_CODES = 10


def client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def _record_sign_in(email: str, request: HttpRequest | None, *, succeeded: bool, reason: str) -> None:
    email = (email or "").strip().lower()[:254]
    ip = client_ip(request)
    agent = (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300]
    SignInAttempt.objects.create(email=email, ip=ip, user_agent=agent, succeeded=succeeded, reason=reason)
    memberships = Membership.objects.filter(user__email=email).select_related("platform", "user")
    for membership in memberships:
        record_audit(actor=membership if succeeded else None, platform=membership.platform,
                     action="sign_in.succeeded" if succeeded else "sign_in.failed",
                     after={"email": email, "reason": reason}, actor_label=email,
                     request_meta={"ip": ip, "request_id": getattr(request, "request_id", "")})


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    mark_fresh(request)
    _record_sign_in(user.email, request, succeeded=True, reason=getattr(request, "sign_in_reason", "password"))


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    _record_sign_in(credentials.get("username", ""), request, succeeded=False, reason="password")


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(value).strip().lower()


def lockout_response(request: HttpRequest, original_response=None, credentials=None, *args, **kwargs) -> HttpResponse:
    """What django-axes answers while an email and address are locked out."""
    email = (credentials or {}).get("username", "") if credentials else request.POST.get("username", "")
    _record_sign_in(email, request, succeeded=False, reason="locked_out")
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


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
        # Through authenticate(), so django-axes counts wrong passwords here as at sign-in: a stolen
        # session cannot guess its way to moving money.
        if "password" in data:
            user = authenticate(self.request, username=self.user.email, password=data["password"])
            if user is None or user.pk != self.user.pk:
                self.add_error("password", "That password is not right.")
        if "code" in self.fields and data.get("code") and not verify_code(self.user, data["code"]):
            self.add_error("code", "That code is not valid. Use the current code from your app or a recovery code.")
        return data


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
