"""Sign-in throttling, in one place for every door that checks a password or a code: the sign-in
page, the code page that follows it, and re-authentication inside a dialog.

Two counters over the security log (`SignInAttempt`), never a lock on the account itself:

- **Per address**: after SIGN_IN_ADDRESS_LIMIT failures from one address inside the window, that
  address is refused until the oldest of them leaves the window. The failures are counted
  whichever emails they named, so spraying one password over many emails is caught too.
- **Per account**: after SIGN_IN_ACCOUNT_FREE_FAILURES failures for one email (from anywhere,
  since its last successful sign-in), each further try has to wait a delay that doubles, capped at
  SIGN_IN_ACCOUNT_MAX_DELAY seconds. A guesser gets a try a minute at best; the owner waits at
  most that long on a new device, and not at all on a browser that signed in before (it carries
  a signed device cookie).

Refused tries are logged with reason "throttled" and do not count: waiting is never made longer
by trying again.
"""

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .client_ip import client_ip
from .models import SignInAttempt, User

DEVICE_COOKIE = "console_device"
_DEVICE_SALT = "platform_console.throttle.device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
THROTTLED = "throttled"
# Reasons of failures inside a signed-in session (re-authentication), apart from sign-in's.
REAUTH_PASSWORD = "reauth_password"
REAUTH_CODE = "reauth_code"


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds
    per_address: bool

    @property
    def message(self) -> str:
        wait = _wait_text(self.retry_after)
        if self.per_address:
            return f"Too many failed sign-ins from your network. Try again in {wait}."
        return f"Too many failed tries for this account. Try again in {wait}."


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"


def _window() -> timedelta:
    return timedelta(minutes=settings.SIGN_IN_WINDOW_MINUTES)


def _failures():
    return SignInAttempt.objects.filter(succeeded=False).exclude(reason=THROTTLED)


def check(request: HttpRequest, email: str, *, in_session: bool = False) -> Refusal | None:
    """Whether a try at `email`'s password or code from this request may go ahead now.

    `in_session=True` for re-authentication inside a signed-in session: the device cookie proves
    nothing there (it may be stolen along with the session), and only re-authentication failures
    count towards the account's delay, so that anonymous guessing at the sign-in page cannot keep a
    signed-in member from confirming a payment."""
    now = timezone.now()
    block = address_block(client_ip(request))
    if block:
        # The SIGN_IN_ADDRESS_LIMIT-th most recent failure from here decides: the address is
        # free again once it leaves the window.
        limit = settings.SIGN_IN_ADDRESS_LIMIT
        oldest_counted = (_failures().filter(address_block=block, created_at__gte=now - _window())
                          .order_by("-created_at")
                          .values_list("created_at", flat=True)[limit - 1:limit])
        for created_at in oldest_counted:
            return Refusal(retry_after=_seconds_until(created_at + _window(), now), per_address=True)
    email = normalise(email)
    if not email or (not in_session and _known_device(request, email)):
        return None
    since = now - _window()
    last_success = (SignInAttempt.objects.filter(email=email, succeeded=True, created_at__gte=since)
                    .order_by("-created_at").values_list("created_at", flat=True).first())
    failures = _failures().filter(email=email, created_at__gte=last_success or since)
    if in_session:
        failures = failures.filter(reason__in=(REAUTH_PASSWORD, REAUTH_CODE))
    recent = list(failures.order_by("-created_at").values_list("created_at", flat=True)[:64])
    over = len(recent) - settings.SIGN_IN_ACCOUNT_FREE_FAILURES
    if over < 0:
        return None
    delay = min(2 ** over, settings.SIGN_IN_ACCOUNT_MAX_DELAY)
    free_at = recent[0] + timedelta(seconds=delay)
    if now < free_at:
        return Refusal(retry_after=_seconds_until(free_at, now), per_address=False)
    return None


def _seconds_until(moment, now) -> int:
    return max(1, int(-(-(moment - now).total_seconds() // 1)))


def record(request: HttpRequest | None, email: str, *, succeeded: bool, reason: str) -> None:
    """One line in the security log (sign-ins are not the platform's audit log: see audit's summary)."""
    agent = (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300]
    ip = client_ip(request)
    SignInAttempt.objects.create(email=normalise(email), ip=ip, address_block=address_block(ip), user_agent=agent,
                                 succeeded=succeeded, reason=reason)


def address_block(ip: str | None) -> str:
    """An IPv4 address itself; for IPv6 the /64 it is in (a subscriber's range)."""
    if not ip:
        return ""
    address = ipaddress.ip_address(ip)
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def refuse(request: HttpRequest, email: str, refusal: Refusal, template: str, context: dict) -> HttpResponse:
    """The page shown instead of checking the password: 429 with Retry-After."""
    record(request, email, succeeded=False, reason=THROTTLED)
    response = render(request, template, {**context, "throttle_message": refusal.message}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def remember_device(response: HttpResponse, user: User) -> None:
    """After a complete sign-in: this browser skips the per-account delay from now on."""
    response.set_cookie(DEVICE_COOKIE, signing.dumps({"u": user.pk}, salt=_DEVICE_SALT), max_age=DEVICE_COOKIE_AGE,
                        httponly=True, secure=not settings.DEBUG and settings.SESSION_COOKIE_SECURE,
                        samesite="Lax")


def _known_device(request: HttpRequest, email: str) -> bool:
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return False
    try:
        user_id = signing.loads(value, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_AGE).get("u")
    except (signing.BadSignature, AttributeError):
        return False
    return User.objects.filter(pk=user_id, email__iexact=email).exists()


def normalise(email: str) -> str:
    return (email or "").strip().lower()[:254]
