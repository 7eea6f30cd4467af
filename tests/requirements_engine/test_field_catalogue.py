"""The field catalogue is the one source of requirement paths: every rule's path is in it, every
path a rule collects at onboarding is asked by a step, and each supported country's onboarding,
walked with valid values (hosted and by an operator), leaves nothing currently due."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts import field_catalogue as catalogue
from accounts import onboarding
from accounts.models import Connection, Person
from accounts.onboarding_forms import STEP_FORMS, OwnerForm, OwnersConfirmForm, PersonForm
from accounts.services import PRESETS, create_account
from requirements_engine import fields
from requirements_engine.models import Requirement
from requirements_engine.rules import load

COUNTRIES = ["US", "CA", "GB", "FR", "DE", "JP", "NL"]
BUSINESS_TYPES = ["individual", "company", "non_profit"]


def rule_paths() -> set[str]:
    rules = load()
    return {rule.field for rule in (*rules.rules, *rules.future_rules)}


def test_every_rule_names_a_path_and_capabilities_the_catalogue_has():
    missing = sorted(path for path in rule_paths() if catalogue.lookup(path) is None)
    assert missing == []
    named = {name for rule in (*load().rules, *load().future_rules) for name in rule.capabilities}
    assert sorted(name for name in named if catalogue.capability(name) is None) == []


def test_every_catalogue_path_has_a_step_and_a_form_field():
    for path, entry in catalogue.load().account.items():
        assert entry.step in catalogue.load().steps, path
        assert entry.form and entry.title, path
    for group in catalogue.PERSON_GROUPS:
        assert catalogue.load().groups[group]["step"] in catalogue.load().steps


def _form_for(connection, step: str, paths: set[str]):
    if step in ("personal_details", "representative"):
        return PersonForm(connection=connection, paths=paths,
                          prefix_path="individual" if step == "personal_details" else "representative")
    if step == "owners":
        return [OwnerForm(connection=connection, paths=paths), OwnersConfirmForm(connection=connection, paths=paths)]
    return STEP_FORMS[step](connection=connection, paths=paths)


def _collects(form, path: str) -> bool:
    forms = form if isinstance(form, list) else [form]
    if path == "external_account":
        return any("account_number" in f.fields and "card_number" in f.fields for f in forms)
    name = catalogue.lookup(path).form
    return any(name in f.fields for f in forms)


@pytest.mark.django_db
@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("business_type", BUSINESS_TYPES)
def test_every_path_a_rule_collects_is_asked_by_a_flow(admin, platform, country, business_type):
    """Stages C and P: the step the catalogue names shows a field for it. Stage E: the one-requirement
    form (Submit the information / remediation link) can collect it."""
    platform.country = "US" if country == "FR" else country
    platform.save()
    capabilities = ["transfers"] if country == "FR" else [
        name for name, _ in catalogue.capability_choices(country)]
    connection, _ = create_account(actor=admin, livemode=False, country=country, email="walk@example.com",
                                   dashboard_type="none", business_type=business_type, capabilities=capabilities,
                                   **PRESETS["none"])
    needed = onboarding.needed_paths(connection)
    assert needed, "the rules ask for something"
    for path in needed:
        step = catalogue.step_of(path)
        assert step in onboarding.step_slugs(connection.account), path
        assert _collects(_form_for(connection, step, needed), path), f"{country} {business_type}: {path} on {step}"
    rules = load()
    requested = set(capabilities)
    for rule in rules.rules:
        if rule.stage == "E" and rule.applies(country=country, business_type=business_type, capabilities=requested):
            concrete = rule.field.replace("owners.", "person_x.").replace("directors.", "person_x.")
            assert fields.supported(concrete), rule.field


# --- walking onboarding with valid values ---------------------------------------------------

POSTCODES = {"US": "94103", "CA": "M5V 2T6", "GB": "SW1A 1AA", "FR": "69001", "DE": "10115", "JP": "100-0001",
             "NL": "1012 AB"}
STATES = {"US": "CA", "CA": "ON", "JP": "Tokyo"}


def values(country: str) -> dict[str, str]:
    """Valid values for every form field, test-mode magic values where a field is checked."""
    return {
        "legal_name": "Walk Test Ltd", "legal_name_kana": "ウォークテスト", "name": "Walk Test",
        "url": "https://accessible.stripe.com", "product_description": "Bicycles", "mcc": "5734",
        "tax_id": "000000000", "tax_id_registrar": "Amtsgericht Berlin", "vat_id": "GB123456789",
        "phone": "+14155550100", "support_phone": "+14155550100", "address_line1": "address_full_match",
        "address_city": "Capital", "address_state": STATES.get(country, ""), "address_postal_code": POSTCODES[country],
        "first_name": "Jenny", "last_name": "Rosen", "first_name_kana": "ジェニー", "last_name_kana": "ローゼン",
        "email": "jenny@example.com", "dob": "1902-01-01", "title": "CEO", "ssn_last_4": "0000",
        "id_number": "000000000", "owners_provided": "on", "directors_provided": "on", "accept_terms": "on",
        "kind": "bank_account", "account_holder_name": "Jenny Rosen", "routing_number": "110000000",
        "account_number": "NL91ABNA0417164300" if country == "NL" else "000123456789",
    }


def fill(names: set[str], country: str) -> dict[str, str]:
    table = values(country)
    return {name: table[name] for name in names if table.get(name)}


def page_forms(response) -> dict[str, set[str]]:
    """The field names of the step's forms as the page renders them, by the form's hidden
    "action" ("" for the step form): what a person can fill in, not what the form class holds."""
    forms = {}
    for chunk in re.findall(r"<form\b.*?</form>", response.content.decode(), re.DOTALL):
        action = re.search(r'name="action" value="([a-z_]+)"', chunk)
        if 'class="step-form"' not in chunk and not action:
            continue  # the console's own forms (mode switch, sign out)
        names = set(re.findall(r'name="([a-z_0-9]+)"', chunk)) - {"csrfmiddlewaretoken", "action"}
        forms[action.group(1) if action else ""] = names
    return forms


def errors(response) -> str:
    """The form errors a page shows, for assertion messages."""
    found = re.findall(r'<p class="field-error" id="([^"]+)">([^<]+)<', response.content.decode())
    return " | ".join(f"{field}: {message}" for field, message in found)


def walk(get, post, connection: Connection, country: str) -> None:
    """Fill in every step in order with the fields its page shows, as a person would; the owners
    step adds one owner of 40 % (the representative owns 60 %) before confirming."""
    for step in onboarding.step_slugs(Connection.objects.get(pk=connection.pk).account):
        if step == "business_type":
            continue  # chosen when the account was created
        if step == "review":
            post(step, {"accept_terms": "on"})
            return
        forms = page_forms(get(step))
        if step == "owners":
            paths = onboarding.needed_paths(Connection.objects.get(pk=connection.pk))
            if any(p.startswith("owners.") for p in paths):
                owner = {**fill(forms["add_owner"], country), "action": "add_owner", "first_name": "Chen",
                         "percent_ownership": "40"}
                response = post(step, owner)
                assert response.status_code == 200 and not errors(response), errors(response)
            data = {**fill(forms["continue"], country), "action": "continue"}
        else:
            data = fill(forms[""], country)
        if step == "representative":
            data.update(is_owner="on", percent_ownership="60", is_director="on")
        response = post(step, data)
        assert response.status_code == 302, f"{step}: {errors(response)}"


@pytest.mark.django_db
@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("business_type", ["individual", "company"])
@pytest.mark.parametrize("who", ["holder", "operator"])
def test_onboarding_with_valid_values_leaves_nothing_currently_due(
        admin, platform, operator_client, run_on_commit, country, business_type, who):
    platform.country = "US" if country == "FR" else country
    platform.save()
    capabilities = ["transfers"] if country == "FR" else ["card_payments", "transfers"]
    access = "express" if who == "holder" else "none"
    with run_on_commit():
        connection, token = create_account(actor=admin, livemode=False, country=country, email="walk@example.com",
                                           dashboard_type=access, business_type=business_type,
                                           capabilities=capabilities, **PRESETS[access])
    if who == "holder":
        browser = Client()
        browser.get(reverse("onboard_entry", args=[token]))

        def get(step):
            return browser.get(reverse("onboard_step", args=[step]))

        def post(step, data):
            return browser.post(reverse("onboard_step", args=[step]), data)
    else:
        client = operator_client(admin)
        session = client.session
        session["console_livemode"] = False
        session.save()

        def get(step):
            return client.get(reverse("accounts:onboarding", args=[connection.account.public_id, step]))

        def post(step, data):
            return client.post(reverse("accounts:onboarding", args=[connection.account.public_id, step]), data)

    walk(get, post, connection, country)
    connection = Connection.objects.get(pk=connection.pk)
    assert connection.details_submitted
    due = set(Requirement.objects.filter(connection=connection, currently_due=True, is_future=False)
              .values_list("path", flat=True))
    # The holder accepts the Services Agreement on the hosted review; an operator cannot on its behalf.
    assert due == (set() if who == "holder" else {"tos_acceptance.date"})
    if who == "holder":  # future requirements (a VAT rule from 2027) make it "restricted soon", nothing else
        upcoming = Requirement.objects.filter(connection=connection, is_future=True, currently_due=True).exists()
        assert connection.status == (Connection.Status.RESTRICTED_SOON if upcoming else Connection.Status.ENABLED)
    if business_type == "company":
        assert Person.objects.filter(account=connection.account, first_name="Chen", is_owner=True).exists()
