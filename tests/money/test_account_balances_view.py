import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from money import services
from tests.factories import ConnectionFactory

from .factories import BankAccountFactory, fund_platform, receiving_connection

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def url(connection):
    return reverse("money:account_balances", args=[connection.account.public_id])


def test_it_shows_balances_transfers_payouts_and_debits(operator_client, funded, admin, liable, consent):
    services.create_transfer(
        actor=admin,
        connection=liable,
        amount=500_00,
        currency="usd",
        idempotency_key="a",
        description="Week 40",
    )
    services.create_transfer(
        actor=admin,
        connection=liable,
        amount=70_00,
        currency="usd",
        idempotency_key="b",
        send_to=BankAccountFactory(account=liable.account),
    )
    services.create_account_debit(actor=admin, connection=liable, amount=25_00, idempotency_key="c")
    html = operator_client(admin).get(url(liable)).content.decode()
    assert "$475.00" in html and "Week 40" in html and "$70.00" in html and 'data-testid="debit-row"' in html
    assert "owner@bright.example" in html and "Version 2026-01" in html


def test_htmx_refreshes_get_only_the_money_part(operator_client, admin, liable):
    html = operator_client(admin).get(url(liable), headers=HX).content.decode()
    assert html.lstrip().startswith('<div id="account-money"') and "<nav" not in html


def test_another_platforms_account_is_not_found(operator_client, admin, other_platform):
    assert operator_client(admin).get(url(receiving_connection(other_platform))).status_code == 404


def test_an_analyst_sees_the_buttons_disabled_with_the_reason(operator_client, analyst, liable, consent):
    html = operator_client(analyst).get(url(liable)).content.decode()
    assert 'data-testid="pull-funds-button">Pull funds</button>' in html
    assert "Only Administrators can pull funds." in html and "Only Administrators can send funds." in html
    assert 'data-testid="record-consent"' not in html


def test_pull_funds_is_disabled_with_the_reason_for_provider_liable_accounts(
    operator_client, admin, receiver
):
    html = operator_client(admin).get(url(receiver)).content.decode()
    assert 'title="Pull funds is only available for accounts where the platform is liable' in html


def test_the_account_details_page_has_the_money_panel(operator_client, funded, admin, receiver):
    services.create_transfer(
        actor=admin, connection=receiver, amount=42_00, currency="usd", idempotency_key="a"
    )
    html = (
        operator_client(admin)
        .get(reverse("accounts:detail", args=[receiver.account.public_id]))
        .content.decode()
    )
    assert 'data-testid="money-panel"' in html and "$42.00" in html and "Daily, minimum delay" in html
    assert reverse("money:account_balances", args=[receiver.account.public_id]) in html


def test_the_panel_reloads_itself(operator_client, admin, receiver):
    html = (
        operator_client(admin)
        .get(reverse("money:account_panel", args=[receiver.account.public_id]), headers=HX)
        .content.decode()
    )
    assert (
        html.lstrip().startswith('<div class="money-panel"')
        and 'hx-trigger="balances-changed from:body"' in html
    )


def test_the_panel_is_hidden_from_roles_without_balances(operator_client, support, receiver):
    html = (
        operator_client(support)
        .get(reverse("accounts:detail", args=[receiver.account.public_id]))
        .content.decode()
    )
    assert 'data-testid="money-panel"' not in html and "doesn't include viewing balances" in html


def test_the_accounts_list_shows_each_available_balance(operator_client, funded, admin, receiver):
    services.create_transfer(
        actor=admin, connection=receiver, amount=1_234_56, currency="usd", idempotency_key="a"
    )
    html = operator_client(admin).get(reverse("accounts:list")).content.decode()
    assert "Available balance" in html and "$1,234.56" in html


def test_the_balance_column_costs_no_query_per_row(operator_client, funded, admin, platform):
    client = operator_client(admin)
    for n in range(2):
        connection = receiving_connection(platform)
        services.create_transfer(
            actor=admin, connection=connection, amount=1_00 + n, currency="usd", idempotency_key=f"a{n}"
        )
    client.get(reverse("accounts:list"))  # warm caches (roles, session)
    with CaptureQueriesContext(db_connection) as few:
        client.get(reverse("accounts:list"))
    for n in range(10):
        connection = receiving_connection(platform)
        services.create_transfer(
            actor=admin, connection=connection, amount=1_00 + n, currency="usd", idempotency_key=f"b{n}"
        )
    ConnectionFactory.create_batch(3, platform=platform)  # accounts without any ledger rows
    with CaptureQueriesContext(db_connection) as many:
        html = client.get(reverse("accounts:list")).content.decode()
    assert html.count('data-testid="available-balance-cell"') == 15
    assert len(many) == len(few)


def test_the_balance_column_is_in_the_default_currency(operator_client, admin, platform):
    fund_platform(admin, 100_00, "eur")
    fund_platform(admin, 100_00, "usd")
    german = receiving_connection(platform, account__default_currency="eur", account__country="DE")
    services.create_transfer(
        actor=admin, connection=german, amount=12_00, currency="eur", idempotency_key="a"
    )
    html = operator_client(admin).get(reverse("accounts:list")).content.decode()
    assert "€12.00" in html
