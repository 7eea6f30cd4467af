"""Headers of the edge middleware: pages with private data are never stored, no browser feature
the console does not use is available to a page, and no response names the server software."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from platform_console.edge import EdgeMiddleware
from requirements_engine.services import create_remediation_link
from support_cases.services import issue_support_link
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

SIGNED_IN = ["home", "accounts:list", "money:balances", "audit_log", "team", "platform_profile"]


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize("name", SIGNED_IN)
def test_signed_in_pages_are_never_stored(operator_client, admin, name):
    response = operator_client(admin).get(reverse(name))
    assert response.status_code == 200 and {"no-store", "private"} <= cache_control(response)


def test_fragments_for_signed_in_operators_are_never_stored(operator_client, admin, connection):
    url = reverse("accounts:profile", args=[connection.account.public_id])
    response = operator_client(admin).get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "no-store" in cache_control(response)


def test_bearer_link_pages_are_never_stored(admin, connection):
    _link, token = create_remediation_link(
        actor=admin, connection=ConnectionFactory(platform=admin.platform, custom=True)
    )
    holder = Client()
    holder.get(reverse("remediate_entry", args=[token]))
    assert "no-store" in cache_control(holder.get(reverse("requirements_engine:remediation_home")))
    _link, token = issue_support_link(actor=admin, connection=connection)
    holder.get(reverse("support_cases:hosted_entry", args=[token]))
    assert "no-store" in cache_control(holder.get(reverse("support_cases:hosted_cases")))


@pytest.mark.parametrize("path", ["/login/", "/", "/no-such-page/", "/login/?next=%00"])
def test_the_permissions_policy_turns_off_unused_browser_features(client, path):
    policy = client.get(path)["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy


def test_the_middleware_removes_a_server_header_set_inside_django(db):
    def view_that_names_itself(request):
        response = HttpResponse("ok")
        response["Server"] = "Django/6.0 CPython/3.13"
        return response

    response = EdgeMiddleware(view_that_names_itself)(RequestFactory().get("/"))
    assert "Server" not in response


def test_gunicorn_sends_no_server_banner():
    from gunicorn.http import wsgi

    import platform_console.gunicorn_conf  # noqa: F401 (gunicorn runs it before forking workers)

    request = SimpleNamespace(version=(1, 1), method="GET", should_close=lambda: False)
    response = wsgi.Response(request, sock=None, cfg=None)
    response.status, response.status_code = "200 OK", 200
    headers = response.default_headers()
    assert any(line.startswith("Date:") for line in headers)
    assert not any(line.lower().startswith("server:") for line in headers)


def test_every_deployment_file_starts_gunicorn_with_that_configuration():
    base = Path(settings.BASE_DIR)
    files = [base / "docker-compose.yml", *(base / "platform_console" / "deploy").glob("*.sh")]
    starts = [
        line
        for path in files
        if path.exists()
        for line in path.read_text().splitlines()
        if re.search(r"\bgunicorn\b(?!_conf)", line) and not line.lstrip().startswith("#")
    ]
    assert starts and all("-c platform_console/gunicorn_conf.py" in line for line in starts), starts
