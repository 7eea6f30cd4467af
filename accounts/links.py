"""Bearer links for account holders: random tokens stored only as hashes."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import AccountLink, Connection


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(*, connection: Connection, kind: str, lifetime: timedelta, created_by=None, sent_to: str = "") -> tuple[AccountLink, str]:
    """Create a link and revoke the connection's earlier active links of the same kind (one active
    link per account and kind). Returns the link and the token, which is never stored."""
    now = timezone.now()
    AccountLink.objects.filter(
        connection=connection, kind=kind, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)  # 256 bits
    link = AccountLink.objects.create(
        connection=connection, kind=kind, token_hash=hash_token(token), created_by=created_by,
        sent_to=sent_to, created_at=now, expires_at=now + lifetime,
    )
    return link, token


def onboarding_url(token: str) -> str:
    return f"{settings.CONSOLE_SITE_URL}/onboard/{token}/"


def find(token: str, kind: str) -> AccountLink | None:
    if not token or len(token) > 100:
        return None
    return (
        AccountLink.objects.select_related("connection__account", "connection__platform")
        .filter(token_hash=hash_token(token), kind=kind)
        .first()
    )
