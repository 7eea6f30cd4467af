"""The address of the person making a request, for sign-in throttling, audit events, sessions and
the consent and terms-acceptance records: the one place that reads it.

Behind a load balancer REMOTE_ADDR is the balancer's. `X-Forwarded-For` is believed only as far as
it was written by proxies we trust (TRUSTED_PROXIES, CIDRs): walking it from the right, the first
address that is not a trusted proxy is the client. From anyone else the header is ignored, since a
client can send any value it likes.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=1)
def _trusted(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in proxies if cidr.strip())


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the request came straight from one of our proxies (whose headers are believed)."""
    return _is_trusted(request.META.get("REMOTE_ADDR", "") or "")


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted(tuple(settings.TRUSTED_PROXIES)))


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    cached = getattr(request, "_client_ip", False)
    if cached is not False:
        return cached
    peer = _valid(request.META.get("REMOTE_ADDR", "") or "")
    address = peer
    if peer is not None and _is_trusted(peer):
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            address = _valid(hop)
            if address is None or not _is_trusted(address):
                break
    request._client_ip = address
    return address
