"""An operator's signed-in sessions: an idle timeout beside the lifetime, and the list of one's
own sessions with a way to end the others.

Django keeps the session itself; an `OperatorSession` row names it (device, address, last use).
Ending a session deletes Django's session, so that browser is signed out on its next request.
Activity is written at most once a minute, so a busy page costs no extra write per request.
"""

import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest
from django.utils import timezone

from .audit import record_audit, request_meta
from .client_ip import client_ip
from .models import Membership, OperatorSession, User

SESSION_STARTED_AT = "console_started_at"
SESSION_SEEN_AT = "console_seen_at"
TOUCH_EVERY = 60  # seconds between two writes of "last active"


def idle_limit(user: User, membership: Membership | None, idle: int) -> int:
    """Seconds of inactivity after which the session ends: shorter for Administrators, who can
    move money and change the team — on any of their platforms, whichever one is selected now —
    and for provider staff. Looked up only once the session has been idle that long."""
    if idle <= settings.SESSION_IDLE_TIMEOUT_ADMIN:
        return settings.SESSION_IDLE_TIMEOUT_ADMIN  # within either limit: no query
    if user.is_staff or (membership is not None and any(role.slug == "admin" for role in membership.roles.all())):
        return settings.SESSION_IDLE_TIMEOUT_ADMIN
    if Membership.objects.filter(user=user, roles__slug="admin").exists():
        return settings.SESSION_IDLE_TIMEOUT_ADMIN
    return settings.SESSION_IDLE_TIMEOUT


def started(request: HttpRequest | None, user: User) -> None:
    """On sign-in (Django has just given the session a new key)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    session[SESSION_STARTED_AT] = now
    session[SESSION_SEEN_AT] = now
    if session.session_key is None:
        session.save()
    _remember(request, user)


def _remember(request: HttpRequest, user: User) -> None:
    OperatorSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={"user": user, "ip": client_ip(request),
                  "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300], "last_seen_at": timezone.now()},
    )


def ended(request: HttpRequest | None) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        OperatorSession.objects.filter(session_key=session.session_key).delete()


def enforce(request: HttpRequest) -> None:
    """Once per request of a signed-in operator: sign out a session idle or older than allowed,
    otherwise note the activity (at most once a minute)."""
    session = request.session
    now = int(time.time())
    started_at = session.get(SESSION_STARTED_AT) or now
    seen_at = session.get(SESSION_SEEN_AT) or now
    idle = now - seen_at
    limit = idle_limit(request.user, request.membership, idle)
    if idle > limit or now - started_at > settings.SESSION_LIFETIME:
        logout(request)
        reason = (f"after {_duration(limit)} without activity" if idle > limit
                  else f"{_duration(settings.SESSION_LIFETIME)} after signing in")
        messages.info(request, f"You were signed out {reason}. Sign in again to continue.")
        request.membership = None
        request.platform = None
        return
    if SESSION_STARTED_AT not in session:
        session[SESSION_STARTED_AT] = started_at
    if now - seen_at >= TOUCH_EVERY or SESSION_SEEN_AT not in session:
        session[SESSION_SEEN_AT] = now
        if session.session_key and not OperatorSession.objects.filter(
                session_key=session.session_key).update(last_seen_at=timezone.now()):
            # A session from before sessions were listed (or whose row was pruned): list it now.
            _remember(request, request.user)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}" if hours < 48 else f"{hours // 24} days"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari")]
_SYSTEMS = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def describe_agent(agent: str) -> str:
    """"Chrome on macOS" from a User-Agent header; the header itself where nothing is recognised."""
    browser = next((name for token, name in _BROWSERS if token in agent), "")
    system = next((name for token, name in _SYSTEMS if token in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or agent or "Unknown browser"


def list_for(request: HttpRequest) -> list[dict]:
    """The operator's live sessions, this one first, then the most recently used."""
    cutoff = timezone.now() - timedelta(seconds=max(settings.SESSION_IDLE_TIMEOUT, settings.SESSION_IDLE_TIMEOUT_ADMIN))
    rows = OperatorSession.objects.filter(user=request.user, last_seen_at__gte=cutoff).order_by("-last_seen_at")[:50]
    current = request.session.session_key
    sessions = [{"row": row, "current": row.session_key == current, "device": describe_agent(row.user_agent)}
                for row in rows]
    return sorted(sessions, key=lambda item: not item["current"])


def end(*, request: HttpRequest, session_id: int | None) -> int:
    """End one of the operator's other sessions (or all of them with session_id=None); the
    current one is never ended here (Sign out does that). Returns how many were ended."""
    rows = OperatorSession.objects.filter(user=request.user).exclude(session_key=request.session.session_key)
    if session_id is not None:
        rows = rows.filter(pk=session_id)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended_rows = list(rows)
    for row in ended_rows:
        store(session_key=row.session_key).delete()
    OperatorSession.objects.filter(pk__in=[row.pk for row in ended_rows]).delete()
    if ended_rows and request.membership is not None:
        record_audit(actor=request.membership, action="session.ended",
                     after={"user": request.user.email, "sessions": len(ended_rows)},
                     request_meta=request_meta(request))
    return len(ended_rows)
