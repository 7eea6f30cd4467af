import pytest
from django.urls import reverse

from money import services

from .factories import fund_platform, receiving_connection

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_it_shows_available_and_pending_per_currency(operator_client, admin, platform):
    fund_platform(admin, 1_250_00)
    services.add_to_balance(actor=admin, amount=300_00, currency="usd", livemode=True, idempotency_key="p")
    fund_platform(admin, 5_000, "jpy")
    html = operator_client(admin).get(reverse("money:balances")).content.decode()
    assert "$1,250.00" in html and "$300.00" in html and "¥5,000" in html
    assert 'data-testid="balance-usd"' in html and 'data-testid="balance-jpy"' in html


def test_balances_follow_the_mode_switch(operator_client, admin, platform):
    fund_platform(admin, 1_250_00, livemode=False)
    client = operator_client(admin)
    assert "$1,250.00" not in client.get(reverse("money:balances")).content.decode()
    session = client.session
    session["console_livemode"] = False
    session.save()
    assert "$1,250.00" in client.get(reverse("money:balances")).content.decode()


def test_htmx_refreshes_get_only_the_summary(operator_client, admin):
    html = operator_client(admin).get(reverse("money:balances"), headers=HX).content.decode()
    assert html.lstrip().startswith('<section id="balance-summary"') and "<nav" not in html


@pytest.mark.parametrize("role", ["admin", "developer", "analyst", "viewer"])
def test_roles_that_view_balances_see_the_page(request, operator_client, role):
    response = operator_client(request.getfixturevalue(role)).get(reverse("money:balances"))
    assert response.status_code == 200


def test_roles_without_balances_are_forbidden(operator_client, support):
    assert operator_client(support).get(reverse("money:balances")).status_code == 403


def test_buttons_are_disabled_with_the_reason_for_analysts(operator_client, analyst):
    html = operator_client(analyst).get(reverse("money:balances")).content.decode()
    assert 'disabled aria-describedby="add-to-balance-button-reason"' in html
    assert "Only Administrators can add to the balance." in html


def test_another_platforms_balance_is_never_shown(operator_client, admin, other_admin):
    fund_platform(other_admin, 777_00)
    assert "$777.00" not in operator_client(admin).get(reverse("money:balances")).content.decode()


def test_the_transfers_list_searches_by_account_and_id(operator_client, funded, admin, platform):
    acme = receiving_connection(platform, account__name="Acme Bakery")
    blue = receiving_connection(platform, account__name="Blue Harbor")
    first = services.create_transfer(
        actor=admin, connection=acme, amount=1_00, currency="usd", idempotency_key="a"
    )
    services.create_transfer(actor=admin, connection=blue, amount=2_00, currency="usd", idempotency_key="b")
    client = operator_client(admin)
    url = reverse("money:transfers")
    assert client.get(url).content.decode().count('data-testid="transfer-row"') == 2
    for query in ["acme", first.public_id, acme.account.public_id]:
        html = client.get(url, {"q": query}, headers=HX).content.decode()
        assert html.count('data-testid="transfer-row"') == 1 and "Acme Bakery" in html, query
    assert "No transfers match" in client.get(url, {"q": "tr_doesnotexist000000000000"}).content.decode()


def test_the_transfers_list_filters_by_route(operator_client, funded, admin, liable):
    from .factories import BankAccountFactory

    services.create_transfer(actor=admin, connection=liable, amount=1_00, currency="usd", idempotency_key="a")
    services.create_transfer(
        actor=admin,
        connection=liable,
        amount=2_00,
        currency="usd",
        idempotency_key="b",
        send_to=BankAccountFactory(account=liable.account),
    )
    client = operator_client(admin)
    html = client.get(reverse("money:transfers"), {"route": "payout"}).content.decode()
    assert html.count('data-testid="transfer-row"') == 1 and "$2.00" in html


def test_the_transfers_list_pages_with_a_keyset(operator_client, funded, admin, receiver, settings):
    settings.CONSOLE_PAGE_SIZE = 2
    for n in range(5):
        services.create_transfer(
            actor=admin, connection=receiver, amount=1_00 + n, currency="usd", idempotency_key=f"k{n}"
        )
    client = operator_client(admin)
    html = client.get(reverse("money:transfers")).content.decode()
    assert html.count('data-testid="transfer-row"') == 2 and "Older →" in html


def test_another_platforms_transfer_is_not_found(operator_client, admin, other_admin, other_platform):
    fund_platform(other_admin, 10_00)
    theirs = services.create_transfer(
        actor=other_admin,
        connection=receiving_connection(other_platform),
        amount=1_00,
        currency="usd",
        idempotency_key="x",
    )
    client = operator_client(admin)
    assert client.get(reverse("money:transfer_detail", args=[theirs.public_id])).status_code == 404
    html = client.get(reverse("money:transfers"), {"q": theirs.public_id}, headers=HX).content.decode()
    assert 'data-testid="transfer-row"' not in html and "No transfers match" in html


def test_a_transfer_has_its_page(operator_client, funded, admin, receiver):
    transfer = services.create_transfer(
        actor=admin,
        connection=receiver,
        amount=12_50,
        currency="usd",
        idempotency_key="a",
        description="Week 40",
    )
    html = (
        operator_client(admin)
        .get(reverse("money:transfer_detail", args=[transfer.public_id]))
        .content.decode()
    )
    assert "$12.50" in html and "Week 40" in html and transfer.posting.public_id in html


def test_the_top_ups_list_shows_failures(operator_client, admin):
    services.add_to_balance(actor=admin, amount=10_00, currency="usd", livemode=True, idempotency_key="a")
    html = operator_client(admin).get(reverse("money:topups")).content.decode()
    assert 'data-testid="topup-row"' in html and "Pending" in html
