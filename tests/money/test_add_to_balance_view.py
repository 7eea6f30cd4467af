import json
import re

import pytest
from django.urls import reverse

from money.models import TopUp

from .factories import platform_balance

pytestmark = pytest.mark.django_db
URL = reverse("money:add_to_balance")
HX = {"HX-Request": "true"}


def key_in(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_the_dialog_carries_a_fresh_idempotency_key(operator_client, admin):
    client = operator_client(admin)
    first = client.get(URL, headers=HX).content.decode()
    second = client.get(URL, headers=HX).content.decode()
    assert "<dialog data-autoopen" in first and "Add to balance" in first
    assert key_in(first) != key_in(second)


def test_without_htmx_the_dialog_is_a_page(operator_client, admin):
    html = operator_client(admin).get(URL).content.decode()
    assert "<!doctype html>" in html and "<dialog" not in html and 'name="amount"' in html


def test_review_shows_the_summary_before_anything_moves(operator_client, admin, platform):
    client = operator_client(admin)
    data = {"amount": "1,250", "currency": "usd", "idempotency_key": "k1", "step": "review"}
    html = client.post(URL, data, headers=HX).content.decode()
    assert "Add $1,250.00 to Rocket Rides" in html and "Add $1,250.00</button>" in html
    assert not TopUp.objects.exists()


def test_confirming_adds_to_the_balance_and_tells_the_page(operator_client, admin, platform):
    client = operator_client(admin)
    data = {
        "amount": "1250",
        "currency": "usd",
        "idempotency_key": "k1",
        "step": "confirm",
        "source_token": "btok_us_verified",
    }
    client.session  # noqa: B018 - the session exists
    session = client.session
    session["console_livemode"] = False
    session.save()
    response = client.post(URL, data, headers=HX)
    assert response.status_code == 204
    events = json.loads(response["HX-Trigger"])
    assert {"balances-changed", "close-dialog", "show-toast"} <= set(events)
    assert "Added $1,250.00" in events["show-toast"]["value"]
    assert platform_balance(platform, livemode=False) == 1250_00


def test_a_double_click_adds_once(operator_client, admin, platform):
    client = operator_client(admin)
    data = {"amount": "10", "currency": "usd", "idempotency_key": "same", "step": "confirm"}
    assert client.post(URL, data, headers=HX).status_code == 204
    assert client.post(URL, data, headers=HX).status_code == 204
    assert TopUp.objects.count() == 1


def test_a_bad_amount_is_shown_next_to_the_field(operator_client, admin):
    response = operator_client(admin).post(
        URL, {"amount": "12.345", "currency": "usd", "idempotency_key": "k", "step": "review"}, headers=HX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "at most 2 decimals" in html and 'value="12.345"' in html and 'aria-invalid="true"' in html


def test_without_htmx_success_redirects(operator_client, admin):
    response = operator_client(admin).post(
        URL, {"amount": "10", "currency": "usd", "idempotency_key": "k", "step": "confirm"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("money:topups")


@pytest.mark.parametrize("role", ["analyst", "developer", "viewer"])
def test_a_forged_post_from_another_role_is_forbidden_and_moves_nothing(
    request, operator_client, platform, role
):
    member = request.getfixturevalue(role)
    response = operator_client(member).post(
        URL, {"amount": "10", "currency": "usd", "idempotency_key": "k", "step": "confirm"}, headers=HX
    )
    assert response.status_code == 403
    assert not TopUp.objects.exists()
