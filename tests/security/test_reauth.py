import time

import pytest
from django.urls import reverse

from money.models import TopUp
from platform_console.security import SESSION_AUTH_AT
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
ADD = reverse("money:add_to_balance")
HTMX = {"HX-Request": "true"}


def topup(**changes):
    return {"amount": "50.00", "currency": "usd", "description": "", "idempotency_key": "key-reauth-1",
            "source_token": "", **changes}


def stale(client, seconds=601):
    session = client.session
    session[SESSION_AUTH_AT] = int(time.time()) - seconds
    session.save()


def test_a_fresh_session_moves_money_without_asking(operator_client, admin):
    client = operator_client(admin)
    response = client.post(ADD, topup(step="confirm"), headers=HTMX)
    assert response.status_code == 204 and TopUp.objects.count() == 1


def test_a_stale_session_is_asked_for_the_password_in_the_dialog(operator_client, admin):
    client = operator_client(admin)
    stale(client)
    review = client.post(ADD, topup(step="review"), headers=HTMX).content.decode()
    assert 'data-testid="reauth"' in review and 'name="reauth-password"' in review
    assert 'value="50.00"' in review  # what was typed is kept
    response = client.post(ADD, topup(step="confirm"), headers=HTMX)
    assert response.status_code == 422 and not TopUp.objects.exists()


def test_a_wrong_password_refuses_and_moves_nothing(operator_client, admin):
    client = operator_client(admin)
    stale(client)
    response = client.post(ADD, topup(step="confirm", **{"reauth-password": "wrong"}), headers=HTMX)
    assert response.status_code == 422 and "That password is not right." in response.content.decode()
    assert not TopUp.objects.exists()


def test_the_right_password_proceeds_and_refreshes_the_session(operator_client, admin):
    client = operator_client(admin)
    stale(client)
    response = client.post(ADD, topup(step="confirm", **{"reauth-password": "pw"}), headers=HTMX)
    assert response.status_code == 204 and TopUp.objects.count() == 1
    second = client.post(ADD, topup(step="confirm", idempotency_key="key-reauth-2"), headers=HTMX)
    assert second.status_code == 204


def test_just_inside_the_window_is_fresh(operator_client, admin):
    client = operator_client(admin)
    stale(client, seconds=590)
    assert client.post(ADD, topup(step="confirm"), headers=HTMX).status_code == 204


def test_removal_also_asks(operator_client, admin, platform):
    full = ConnectionFactory(platform=platform)
    client = operator_client(admin)
    stale(client)
    url = reverse("accounts:remove", args=[full.account.public_id])
    assert 'name="reauth-password"' in client.get(url, headers=HTMX).content.decode()
    assert client.post(url, headers=HTMX).status_code == 422
    full.refresh_from_db()
    assert full.lifecycle_state == "active"
    client.post(url, {"reauth-password": "pw"}, headers=HTMX)
    full.refresh_from_db()
    assert full.lifecycle_state == "removed"
