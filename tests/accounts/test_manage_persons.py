import pytest
from django.urls import reverse

from accounts.models import Person
from platform_console.models import AuditEvent
from requirements_engine.models import FieldVerification
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
NEW = {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@acme.example", "dob": "1980-01-01",
       "is_owner": "on", "percent_ownership": "10", "title": "CFO", "is_executive": "on"}


def add_url(c):
    return reverse("accounts:person_add", args=[c.account.public_id])


def edit_url(c, person):
    return reverse("accounts:person_edit", args=[c.account.public_id, person.public_id])


def remove_url(c, person):
    return reverse("accounts:person_remove", args=[c.account.public_id, person.public_id])


def test_add_person(operator_client, admin, custom_account):
    response = operator_client(admin).post(add_url(custom_account), NEW, headers=HTMX)
    assert response.status_code == 200 and response["HX-Redirect"]
    ana = Person.objects.get(first_name="Ana")
    assert ana.is_owner and ana.percent_ownership == 10 and ana.is_executive and ana.title == "CFO"
    assert AuditEvent.objects.filter(action="person.added", object_id=ana.public_id).exists()


def test_the_add_dialog_is_a_fragment(operator_client, admin, custom_account):
    html = operator_client(admin).get(add_url(custom_account), headers=HTMX).content.decode()
    assert html.lstrip().startswith("<dialog") and "Personal details" in html and "Professional details" in html


def test_edit_owner(operator_client, admin, custom_account):
    data = {"first_name": "Chen", "last_name": "Wang-Li", "is_owner": "on", "percent_ownership": "40", "title": "COO"}
    operator_client(admin).post(edit_url(custom_account, custom_account.owner), data, headers=HTMX)
    custom_account.owner.refresh_from_db()
    assert custom_account.owner.last_name == "Wang-Li" and custom_account.owner.percent_ownership == 40
    event = AuditEvent.objects.get(action="person.updated")
    assert event.before["name"] == "Chen Wang" and event.after["name"] == "Chen Wang-Li"


@pytest.mark.parametrize("share,message", [("11", "at most 100"), ("101", "less than or equal to 100"),
                                           ("-5", "greater than or equal to 0"), ("abc", "Enter a number")])
def test_ownership_rules(operator_client, admin, custom_account, share, message):
    response = operator_client(admin).post(add_url(custom_account), {**NEW, "percent_ownership": share}, headers=HTMX)
    assert response.status_code == 422 and message in response.content.decode()
    assert not Person.objects.filter(first_name="Ana").exists()


def test_an_owner_needs_a_share(operator_client, admin, custom_account):
    response = operator_client(admin).post(add_url(custom_account), {**NEW, "percent_ownership": ""}, headers=HTMX)
    assert response.status_code == 422 and "share of the business" in response.content.decode()


def test_hostile_input_is_refused_or_escaped(operator_client, admin, custom_account):
    client = operator_client(admin)
    too_long = client.post(add_url(custom_account), {**NEW, "first_name": "x" * 101}, headers=HTMX)
    assert too_long.status_code == 422
    client.post(add_url(custom_account), {**NEW, "first_name": "<script>alert(1)</script>"}, headers=HTMX)
    html = client.get(reverse("accounts:detail", args=[custom_account.account.public_id])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_only_an_administrator_moves_the_representative(operator_client, admin, developer, custom_account):
    data = {"first_name": "Chen", "last_name": "Wang", "is_owner": "on", "percent_ownership": "30",
            "is_representative": "on", "dob": "1979-02-03"}
    refused = operator_client(developer).post(edit_url(custom_account, custom_account.owner), data, headers=HTMX)
    assert refused.status_code == 422 and "Only an Administrator" in refused.content.decode()
    operator_client(admin).post(edit_url(custom_account, custom_account.owner), data, headers=HTMX)
    assert list(Person.objects.filter(is_representative=True).values_list("first_name", flat=True)) == ["Chen"]


def test_the_representative_cannot_be_removed(operator_client, admin, custom_account):
    response = operator_client(admin).post(remove_url(custom_account, custom_account.rep), headers=HTMX)
    assert response.status_code == 422 and "cannot be removed" in response.content.decode()
    assert Person.objects.filter(pk=custom_account.rep.pk).exists()


def test_remove_asks_first_and_says_it_cannot_be_undone(operator_client, admin, custom_account):
    html = operator_client(admin).get(remove_url(custom_account, custom_account.owner), headers=HTMX).content.decode()
    assert "cannot be undone" in html and "Remove owner" in html
    assert Person.objects.filter(pk=custom_account.owner.pk).exists()


def test_remove_really_deletes_the_personal_data(operator_client, admin, custom_account):
    owner = custom_account.owner
    FieldVerification.objects.create(platform=custom_account.platform, connection=custom_account,
                                     path=f"{owner.public_id}.dob", status="verified")
    operator_client(admin).post(remove_url(custom_account, owner), headers=HTMX)
    assert not Person.objects.filter(pk=owner.pk).exists()
    assert not FieldVerification.objects.filter(path__startswith=owner.public_id).exists()
    event = AuditEvent.objects.get(action="person.removed")
    assert "Chen" not in str(event.before) + str(event.after) and event.before == {"person": owner.public_id}


def test_id_numbers_are_stored_masked_and_never_shown_in_full(operator_client, admin, custom_account):
    client = operator_client(admin)
    client.post(add_url(custom_account), {**NEW, "id_number": "123-45-6789"}, headers=HTMX)
    ana = Person.objects.get(first_name="Ana")
    assert ana.id_number_provided and ana.id_number_last4 == "6789"
    assert "123456789" not in str(Person.objects.filter(pk=ana.pk).values().get())
    page = client.get(reverse("accounts:detail", args=[custom_account.account.public_id])).content.decode()
    edit = client.get(edit_url(custom_account, ana), headers=HTMX).content.decode()
    for html in (page, edit):
        assert "123456789" not in html and "123-45-6789" not in html and "•••• 6789" in html


@pytest.mark.parametrize("role,allowed", [("admin", True), ("developer", True), ("support_specialist", True),
                                          ("analyst", False), ("view_only", False)])
def test_who_may_manage_persons(operator_client, platform, custom_account, role, allowed):
    client = operator_client(MembershipFactory(platform=platform, roles=[role]))
    response = client.post(add_url(custom_account), NEW, headers=HTMX)
    assert (response.status_code == 200) is allowed and (response.status_code == 403) is not allowed
    assert Person.objects.filter(first_name="Ana").exists() is allowed


def test_persons_of_self_managed_accounts_are_read_only(operator_client, admin, platform):
    from tests.factories import ConnectionFactory

    express = ConnectionFactory(platform=platform, express=True)
    assert operator_client(admin).post(add_url(express), NEW).status_code == 403
