"""The Capabilities card and the Actions required list never contradict each other."""

import re

import pytest
from django.urls import reverse

from accounts.models import Connection

pytestmark = pytest.mark.django_db


def detail(client, connection):
    session = client.session
    session["console_livemode"] = connection.livemode
    session.save()
    return client.get(reverse("accounts:detail", args=[connection.account.public_id])).content.decode()


def test_the_capabilities_card_does_not_say_nothing_is_required_while_actions_are_listed(
        onboarded, operator_client, admin):
    connection = onboarded()  # verified, with eventually-due identity documents left
    assert connection.eventually_due_count > 0 and not connection.actions_required
    html = detail(operator_client(admin), connection)
    entries = re.findall(r'data-testid="action-entry"', html)
    assert entries, "the Actions required list shows the eventually-due items"
    assert "Nothing is required from this account right now." not in html
    assert 'data-testid="nothing-due-now"' in html


def test_nothing_required_shows_only_when_the_list_is_empty(onboarded, operator_client, admin):
    connection = onboarded()
    Connection.objects.filter(pk=connection.pk).update(eventually_due_count=0, current_deadline=None,
                                                       future_due_count=0)
    from requirements_engine.models import Requirement

    Requirement.objects.filter(connection=connection).delete()
    html = detail(operator_client(admin), connection)
    assert 'data-testid="action-entry"' not in html
    assert 'data-testid="nothing-required"' in html
