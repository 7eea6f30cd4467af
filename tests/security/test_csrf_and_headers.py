"""CSRF on every mutating endpoint and the security headers on every page, by walking the URL
patterns: an endpoint added later is covered without editing this file."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def patterns():
    def walk(items, prefix=""):
        for item in items:
            if isinstance(item, URLResolver):
                if item.namespace == "admin":
                    continue
                yield from walk(item.url_patterns, f"{item.namespace}:" if item.namespace else prefix)
            elif isinstance(item, URLPattern) and item.name:
                yield prefix + item.name, item

    return list(walk(get_resolver().url_patterns))


def url_for(name, pattern, account_id):
    kwargs = {}
    for key in pattern.pattern.converters:
        kwargs[key] = account_id if key == "account_id" else "x" * 24
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def signed_in(admin, platform):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    return client, ConnectionFactory(platform=platform).account.public_id


@pytest.mark.parametrize("name,pattern", patterns(), ids=[n for n, _ in patterns()])
def test_a_post_without_the_csrf_token_is_refused(signed_in, name, pattern):
    client, account_id = signed_in
    response = client.post(url_for(name, pattern, account_id), {"anything": "x"})
    # 403: refused by CSRF; 405: the endpoint accepts no POST at all. Nothing else is acceptable.
    assert response.status_code in (403, 405), f"{name} answered {response.status_code}"


def test_the_csrf_token_travels_as_a_header_on_htmx_requests(operator_client, admin):
    html = operator_client(admin).get(reverse("home")).content.decode()
    assert "hx-headers='{\"X-CSRFToken\": \"" in html


PAGES = ["home", "accounts:list", "money:balances", "audit_log", "team", "security_settings", "platform_profile"]


@pytest.mark.parametrize("name", PAGES + ["login"])
def test_security_headers_are_on_every_page(operator_client, admin, name):
    client = operator_client(admin) if name != "login" else Client()
    response = client.get(reverse(name))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", PAGES)
def test_pages_carry_no_inline_script_or_style(operator_client, admin, name):
    html = operator_client(admin).get(reverse(name)).content.decode()
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert all("src=" in tag for tag in html.split("<script")[1:])


def test_cookies_are_secure_and_http_only_without_debug(settings):
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE and settings.SESSION_COOKIE_HTTPONLY
    assert settings.SECURE_HSTS_SECONDS > 0
