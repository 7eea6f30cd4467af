import json

import pytest
from django.urls import reverse

from accounts.models import Capability
from money.models import Transfer

from .factories import BankAccountFactory, CardFactory, balance_of, fund_platform, receiving_connection

pytestmark = pytest.mark.django_db
URL = reverse("money:send_funds")
HX = {"HX-Request": "true"}


def form(connection, amount="1250", step="confirm", **extra):
    return {
        "destination": connection.account.public_id,
        "amount": amount,
        "currency": "usd",
        "idempotency_key": "k1",
        "step": step,
        **extra,
    }


def test_the_dialog_can_start_with_the_destination_chosen(operator_client, admin, receiver):
    html = (
        operator_client(admin)
        .get(URL, {"destination": receiver.account.public_id}, headers=HX)
        .content.decode()
    )
    assert 'data-testid="chosen-destination"' in html and "Acme Bakery" in html
    assert 'name="destination" value="' + receiver.account.public_id in html


def test_the_destination_search_lists_this_platforms_accounts_only(
    operator_client, admin, receiver, other_platform
):
    receiving_connection(other_platform, account__name="Acme Elsewhere")
    html = (
        operator_client(admin)
        .get(reverse("money:destination_search"), {"q": "acme"}, headers=HX)
        .content.decode()
    )
    assert "Acme Bakery" in html and "Acme Elsewhere" not in html


def test_the_search_explains_accounts_that_cannot_receive(operator_client, admin, receiver):
    Capability.objects.filter(connection=receiver).update(status="pending")
    html = (
        operator_client(admin)
        .get(reverse("money:destination_search"), {"q": "acme"}, headers=HX)
        .content.decode()
    )
    assert "disabled" in html and "Transfers capability is pending" in html


def test_picking_a_platform_liable_account_offers_its_bank_account_and_card(operator_client, admin, liable):
    BankAccountFactory(account=liable.account), CardFactory(account=liable.account)
    html = (
        operator_client(admin)
        .get(reverse("money:destination_pick"), {"destination": liable.account.public_id}, headers=HX)
        .content.decode()
    )
    assert 'data-testid="route-bank_account"' in html and 'data-testid="route-card"' in html
    assert 'hx-swap-oob="true"' in html


def test_a_provider_liable_account_is_not_offered_payouts(operator_client, admin, receiver):
    BankAccountFactory(account=receiver.account)
    html = (
        operator_client(admin)
        .get(reverse("money:destination_pick"), {"destination": receiver.account.public_id}, headers=HX)
        .content.decode()
    )
    assert "route-bank_account" not in html


def test_review_says_exactly_what_will_happen(operator_client, funded, admin, receiver):
    html = operator_client(admin).post(URL, form(receiver, step="review"), headers=HX).content.decode()
    assert "Send $1,250.00 to Acme Bakery" in html and "Send $1,250.00</button>" in html
    assert not Transfer.objects.exists()


def test_confirming_sends_and_tells_the_page(operator_client, funded, admin, receiver):
    response = operator_client(admin).post(URL, form(receiver), headers=HX)
    assert response.status_code == 204
    events = json.loads(response["HX-Trigger"])
    assert {"balances-changed", "close-dialog"} <= set(events)
    assert events["show-toast"]["value"] == "Sent $1,250.00 to Acme Bakery."
    assert balance_of(receiver) == 1250_00


def test_sending_to_a_card_reports_the_payout(operator_client, funded, admin, liable):
    card = CardFactory(account=liable.account)
    response = operator_client(admin).post(URL, form(liable, send_to=card.public_id), headers=HX)
    assert "Visa card ••5556" in json.loads(response["HX-Trigger"])["show-toast"]["value"]
    assert Transfer.objects.get().payout.status == "paid"


def test_a_short_balance_is_refused_next_to_the_amount(operator_client, platform, admin, receiver):
    fund_platform(admin, 10_00)
    response = operator_client(admin).post(URL, form(receiver), headers=HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "available balance is $10.00" in html and 'value="1250"' in html
    assert not Transfer.objects.exists()


def test_the_review_step_already_refuses_a_short_balance(operator_client, platform, admin, receiver):
    response = operator_client(admin).post(URL, form(receiver, step="review"), headers=HX)
    assert response.status_code == 422 and "Add to balance first" in response.content.decode()


def test_no_destination_is_a_field_error(operator_client, funded, admin):
    response = operator_client(admin).post(
        URL, {"amount": "5", "currency": "usd", "idempotency_key": "k", "step": "review"}, headers=HX
    )
    assert response.status_code == 422 and "Choose the account" in response.content.decode()


def test_another_platforms_account_cannot_be_the_destination(operator_client, funded, admin, other_platform):
    elsewhere = receiving_connection(other_platform)
    response = operator_client(admin).post(URL, form(elsewhere), headers=HX)
    assert response.status_code == 422 and "connected to your platform" in response.content.decode()
    assert balance_of(elsewhere) == 0


def test_a_destination_that_is_not_the_accounts_own_is_refused(
    operator_client, funded, admin, liable, platform
):
    other = receiving_connection(platform, express=True)
    bank = BankAccountFactory(account=other.account)
    response = operator_client(admin).post(URL, form(liable, send_to=bank.public_id), headers=HX)
    assert response.status_code == 422 and not Transfer.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "developer", "viewer", "support"])
def test_a_forged_post_from_another_role_is_forbidden_and_moves_nothing(
    request, operator_client, funded, receiver, role
):
    response = operator_client(request.getfixturevalue(role)).post(URL, form(receiver), headers=HX)
    assert response.status_code == 403
    assert not Transfer.objects.exists() and balance_of(receiver) == 0


def test_without_htmx_success_redirects_to_the_transfers(operator_client, funded, admin, receiver):
    response = operator_client(admin).post(URL, form(receiver))
    assert response.status_code == 302 and response["Location"] == reverse("money:transfers")


def test_a_replayed_confirmation_sends_once(operator_client, funded, admin, receiver):
    client = operator_client(admin)
    client.post(URL, form(receiver), headers=HX)
    assert client.post(URL, form(receiver), headers=HX).status_code == 204
    assert Transfer.objects.count() == 1


def test_a_replay_with_another_amount_is_refused(operator_client, funded, admin, receiver):
    client = operator_client(admin)
    client.post(URL, form(receiver), headers=HX)
    response = client.post(URL, form(receiver, amount="99"), headers=HX)
    assert response.status_code == 422 and "already used" in response.content.decode()
