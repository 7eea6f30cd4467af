import json

import pytest
from django.urls import reverse

from money import services
from money.models import AccountDebit, AccountDebitConsent

from .factories import balance_of, receiving_connection

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def url(connection):
    return reverse("money:pull_funds", args=[connection.account.public_id])


@pytest.fixture
def stocked(funded, admin, liable, consent):
    services.create_transfer(
        actor=admin, connection=liable, amount=500_00, currency="usd", idempotency_key="fill"
    )
    return liable


def form(amount="120.50", step="confirm"):
    return {"amount": amount, "idempotency_key": "k1", "step": step}


def test_the_dialog_shows_what_can_be_pulled_and_the_fee(settings, operator_client, admin, stocked):
    settings.ACCOUNT_DEBIT_FEE_BPS, settings.ACCOUNT_DEBIT_FEE_FIXED = 150, {"usd": 30}
    html = operator_client(admin).get(url(stocked), headers=HX).content.decode()
    assert "<dialog data-autoopen" in html and "$500.00" in html
    assert "1.5% + $0.30" in html and "owner@bright.example" in html


def test_review_shows_the_fee_and_the_summary_before_confirming(settings, operator_client, admin, stocked):
    settings.ACCOUNT_DEBIT_FEE_BPS, settings.ACCOUNT_DEBIT_FEE_FIXED = 150, {"usd": 30}
    html = operator_client(admin).post(url(stocked), form(step="review"), headers=HX).content.decode()
    assert "Pull $120.50 from Bright Express" in html
    assert 'data-testid="debit-fee">$2.11' in html and "$118.39" in html and "Pull $120.50</button>" in html
    assert not AccountDebit.objects.exists()


def test_confirming_pulls_and_tells_the_page(operator_client, admin, stocked):
    response = operator_client(admin).post(url(stocked), form(), headers=HX)
    assert response.status_code == 204
    events = json.loads(response["HX-Trigger"])
    assert {"balances-changed", "close-dialog"} <= set(events)
    assert events["show-toast"]["value"] == "Pulled $120.50 from Bright Express."
    assert balance_of(stocked) == 500_00 - 120_50


def test_more_than_the_available_balance_is_refused_at_review(operator_client, admin, stocked):
    response = operator_client(admin).post(url(stocked), form(amount="500.01", step="review"), headers=HX)
    assert response.status_code == 422 and "you can pull at most that much" in response.content.decode()


def test_without_consent_the_dialog_explains_and_a_post_is_refused(operator_client, funded, admin, liable):
    client = operator_client(admin)
    html = client.get(url(liable), headers=HX).content.decode()
    assert 'data-testid="pull-blocker"' in html and "consent" in html and 'name="amount"' not in html
    assert client.post(url(liable), form(), headers=HX).status_code == 422
    assert not AccountDebit.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "developer", "viewer", "support"])
def test_a_forged_post_from_another_role_is_forbidden_and_moves_nothing(
    request, operator_client, stocked, role
):
    response = operator_client(request.getfixturevalue(role)).post(url(stocked), form(), headers=HX)
    assert response.status_code == 403
    assert balance_of(stocked) == 500_00 and not AccountDebit.objects.exists()


def test_another_platforms_account_is_not_found(operator_client, admin, other_platform):
    elsewhere = receiving_connection(other_platform, express=True)
    client = operator_client(admin)
    assert client.get(url(elsewhere), headers=HX).status_code == 404
    assert client.post(url(elsewhere), form(), headers=HX).status_code == 404


def test_a_malformed_account_id_is_not_found(operator_client, admin):
    assert operator_client(admin).get("/accounts/acct_nope/balances/pull/").status_code == 404


def test_recording_consent_from_the_dialog(operator_client, admin, liable):
    consent_url = reverse("money:debit_consent", args=[liable.account.public_id])
    client = operator_client(admin)
    assert "Account debit authorization" in client.get(consent_url, headers=HX).content.decode()
    response = client.post(
        consent_url,
        {
            "granted_by": "cfo@bright.example",
            "granted_at": "2026-11-01T10:00",
            "ip": "198.51.100.4",
            "confirm": "on",
        },
        headers=HX,
    )
    assert response.status_code == 204
    consent = AccountDebitConsent.objects.get()
    assert (
        consent.granted_by == "cfo@bright.example"
        and consent.recorded_by == admin
        and consent.ip == "198.51.100.4"
    )


def test_consent_needs_the_confirmation_box_and_a_past_date(operator_client, admin, liable):
    consent_url = reverse("money:debit_consent", args=[liable.account.public_id])
    response = operator_client(admin).post(
        consent_url, {"granted_by": "x", "granted_at": "2999-01-01T10:00"}, headers=HX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "future" in html and "This field is required" in html
    assert not AccountDebitConsent.objects.exists()


def test_an_analyst_cannot_record_consent(operator_client, analyst, liable):
    consent_url = reverse("money:debit_consent", args=[liable.account.public_id])
    assert (
        operator_client(analyst)
        .post(consent_url, {"granted_by": "x", "granted_at": "2026-01-01T10:00", "confirm": "on"})
        .status_code
        == 403
    )
