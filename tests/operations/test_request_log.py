"""One log line per request with its id, user and platform; JSON on request; a cancelled query
gets a page, not a 500."""

import json
import logging

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.urls import reverse

from platform_console.logging import JsonFormatter, RedactBearerLinks

pytestmark = pytest.mark.django_db


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "platform_console.requests"]


def test_every_request_logs_one_line_with_its_context(operator_client, admin, caplog, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]  # the test client's address: our load balancer here
    caplog.set_level(logging.INFO, logger="platform_console.requests")
    response = operator_client(admin).get(reverse("accounts:list"), headers={"X-Request-Id": "lb-1234abcd"})
    (line,) = request_lines(caplog)
    assert response["Request-Id"] == "lb-1234abcd"
    assert (line.request_id, line.user, line.platform) == ("lb-1234abcd", admin.user.email, admin.platform.public_id)
    assert (line.method, line.path, line.status) == ("GET", "/accounts/", 200) and line.duration_ms >= 0


def test_an_id_sent_by_anyone_but_our_proxies_is_not_taken_over(caplog, settings):
    settings.TRUSTED_PROXIES = []
    response = Client().get("/login/", headers={"X-Request-Id": "chosen-by-the-client"})
    assert response["Request-Id"] != "chosen-by-the-client"


def test_an_unusable_incoming_id_is_replaced(caplog):
    caplog.set_level(logging.INFO, logger="platform_console.requests")
    response = Client().get("/login/", headers={"X-Request-Id": "x\u00e9<script>"})
    assert response["Request-Id"] != "x\u00e9<script>" and len(response["Request-Id"]) == 32
    assert request_lines(caplog)[0].user == ""


def test_json_lines_carry_the_fields_and_redact_bearer_links(caplog):
    caplog.set_level(logging.INFO, logger="platform_console.requests")
    Client().get("/onboard/secret-token-123/")
    record = request_lines(caplog)[0]
    RedactBearerLinks().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "INFO" and entry["status"] in (404, 410) and entry["method"] == "GET"
    assert entry["path"] == "/onboard/[redacted]/" and "secret-token-123" not in json.dumps(entry)
    assert entry["time"].endswith("Z") and entry["request_id"]


@pytest.mark.postgres
def test_a_query_past_the_statement_timeout_gets_a_page_not_a_500(operator_client, admin, monkeypatch):
    from accounts import selectors

    def slow(*args, **kwargs):
        with db_connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 50")
            cursor.execute("SELECT pg_sleep(1)")

    monkeypatch.setattr(selectors, "status_counts", slow)  # (a slow search says so in the list itself)
    response = operator_client(admin).get(reverse("accounts:list"))
    assert response.status_code == 503 and "That took too long" in response.content.decode()
