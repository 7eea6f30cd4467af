"""Test-mode magic values (domain.md §10) pass before format checks in every country, and payout
cards follow the provider's test numbers: debit cards only."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from accounts.validation import validate_card_number, validate_path

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize("country", ["US", "CA", "GB", "FR", "DE", "JP", "NL"])
@pytest.mark.parametrize("value", ["000000000", "000000001", "111111112", "222222222"])
def test_magic_company_tax_ids_pass_in_test_mode_in_every_country(country, value):
    assert validate_path("company.tax_id", value, country=country, livemode=False, today=TODAY) == value


@pytest.mark.parametrize("country", ["GB", "DE", "JP", "NL"])
def test_live_mode_keeps_the_format_checks(country):
    with pytest.raises(ValidationError):
        validate_path("company.tax_id", "000000000", country=country, livemode=True, today=TODAY)


def test_a_non_magic_value_is_still_format_checked_in_test_mode():
    with pytest.raises(ValidationError, match="Companies House"):
        validate_path("company.tax_id", "12", country="GB", livemode=False, today=TODAY)
    assert validate_path("company.tax_id", "SC123456", country="GB", livemode=False, today=TODAY) == "SC123456"


@pytest.mark.django_db
@pytest.mark.parametrize("country", ["GB", "DE", "JP"])
def test_a_company_verifies_with_the_magic_tax_id(admin, platform, country):
    """Before: the magic 000000000 failed the format check, and any value that passed it was a mismatch."""
    from accounts.services import PRESETS, create_account, save_account_details
    from requirements_engine.models import FieldVerification

    platform.country = country
    platform.save()
    connection, _ = create_account(actor=admin, livemode=False, country=country, email="t@example.com",
                                   dashboard_type="none", business_type="company", **PRESETS["none"])
    save_account_details(connection=connection, data={"tax_id": "000000000"}, actor=admin)
    assert FieldVerification.objects.get(connection=connection, path="company.tax_id").status == "verified"


@pytest.mark.parametrize("number", ["4000056655665556", "5200828282828210", "6011981111111113", "4000 0566 5566 5556"])
def test_test_debit_cards_are_accepted(number):
    assert validate_card_number(number, livemode=False) == number.replace(" ", "")


@pytest.mark.parametrize("number", ["4242424242424242", "4242 4242 4242 4242", "5555555555554444", "378282246310005"])
def test_test_credit_cards_are_refused_as_payout_cards(number):
    with pytest.raises(ValidationError, match="credit card: payouts can only go to a debit card"):
        validate_card_number(number, livemode=False)


def test_an_unknown_number_in_test_mode_points_to_the_test_debit_cards():
    with pytest.raises(ValidationError, match="4000 0566 5566 5556"):
        validate_card_number("4111111111111111", livemode=False)


@pytest.mark.django_db
def test_the_payout_step_refuses_a_credit_card_next_to_the_field(operator_client, admin, platform):
    from django.urls import reverse

    from accounts.models import ExternalAccount
    from accounts.services import PRESETS, create_account

    connection, _ = create_account(actor=admin, livemode=False, country="US", email="t@example.com",
                                   dashboard_type="none", business_type="individual", **PRESETS["none"])
    client = operator_client(admin)
    session = client.session
    session["console_livemode"] = False
    session.save()
    response = client.post(reverse("accounts:onboarding", args=[connection.account.public_id, "payout_account"]),
                           {"kind": "card", "card_number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2031"})
    html = response.content.decode()
    assert response.status_code == 422 and 'id="id_card_number_error"' in html and "debit card" in html
    assert not ExternalAccount.objects.exists()
