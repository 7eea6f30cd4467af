"""/healthz for probes, GET and HEAD on read-only pages, error pages under the CSP."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from platform_console import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_sign_in_with_its_checks():
    response = Client().get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert body["status"] == "ok" and body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert Client().head("/healthz").status_code == 200


def test_healthz_is_503_and_names_what_failed(monkeypatch):
    def broken():
        raise ConnectionRefusedError("broker down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["broker"] == "error: ConnectionRefusedError"


def test_healthz_reports_a_broker_it_cannot_reach():
    from platform_console.celery import app

    previous = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        response = Client().get("/healthz")
    finally:
        app.conf.task_always_eager, app.conf.broker_url = previous
    assert response.status_code == 503 and json.loads(response.content)["checks"]["broker"].startswith("error")


@pytest.mark.parametrize("name", ["login", "healthz"])
def test_head_works_where_get_does(name):
    assert Client().head(reverse(name)).status_code == 200


def test_signed_in_pages_answer_head(operator_client, admin):
    client = operator_client(admin)
    for name in ("home", "accounts:list", "audit_log", "money:balances"):
        assert client.head(reverse(name)).status_code == 200, name


@pytest.mark.parametrize("template", ["400.html", "403.html", "403_csrf.html", "404.html", "500.html", "503_timeout.html"])
def test_error_pages_have_no_inline_style_or_script(template):
    from django.template.loader import render_to_string

    html = render_to_string(template)
    assert "<style" not in html and "<script" not in html and "style=" not in html
    assert 'rel="stylesheet"' in html


def test_a_csrf_failure_gets_the_console_page(admin):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("login"), {"username": admin.user.email, "password": "pw"})
    assert response.status_code == 403 and "This form has expired" in response.content.decode()


def test_the_favicon_is_resolved_per_request():
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")
