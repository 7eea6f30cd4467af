import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from platform_console.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_NAMES: set[str] = set()


def dashboard_patterns():
    """Every named URL pattern of the console (not the back office), with sample arguments."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                ns = f"{pattern.namespace}:" if pattern.namespace else prefix
                yield from walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield prefix + pattern.name, pattern

    for name, pattern in walk(get_resolver().url_patterns):
        kwargs = {key: "acct_" + "A" * 24 for key in pattern.pattern.converters}
        # Hosted pages for account holders are public by design (a bearer link opens them) and
        # say so with @public_page; every other page must require a login.
        if getattr(pattern.callback, "is_public", False):
            continue
        yield name, reverse(name, kwargs=kwargs)


def test_there_are_dashboard_pages_to_check():
    assert len(list(dashboard_patterns())) >= 5


@pytest.mark.parametrize("name,url", list(dashboard_patterns()))
def test_every_dashboard_page_requires_login(client, name, url):
    if name in PUBLIC_NAMES:
        return
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code in (302, 405), f"{name} answered {response.status_code} to an anonymous visitor"
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login"))


def test_sign_in_with_email_and_password(client, admin):
    admin.user.set_password("correct horse")
    admin.user.save()
    response = client.post(reverse("login"), {"username": "ADMIN@" + admin.user.email.split("@")[1].upper(), "password": "correct horse"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_password_says_so_next_to_the_form(client, admin):
    response = client.post(reverse("login"), {"username": admin.user.email, "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_sign_out_ends_the_session(operator_client, admin):
    client = operator_client(admin)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_a_user_without_a_platform_is_told_so(client):
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 403
    assert "not on any platform" in response.content.decode()


def test_a_role_without_the_permission_gets_403(operator_client, viewer, settings):
    from platform_console.models import Role

    Role.objects.filter(slug="view_only").update(permissions=[])
    assert operator_client(viewer).get(reverse("accounts:list")).status_code == 403


def test_no_page_writes_an_audit_event_on_a_read(operator_client, admin, connection):
    client = operator_client(admin)
    for url in [reverse("home"), reverse("accounts:list"), reverse("accounts:detail", args=[connection.account.public_id])]:
        client.get(url)
    assert not AuditEvent.objects.exclude(action__startswith="sign_in.").exists()
