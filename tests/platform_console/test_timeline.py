"""Home and Activity tell what happened in words, the account linked, the code in a disclosure."""

import re

import pytest
from django.urls import reverse

from money import services as money_services
from platform_console import timeline
from platform_console.models import AuditEvent
from tests.factories import MembershipFactory, UserFactory
from tests.money.factories import fund_platform, receiving_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(platform):
    return MembershipFactory(platform=platform, roles=["admin"], user=UserFactory(email="ana@rocket.test",
                                                                                 full_name="Ana Lima"))


def test_home_says_who_sent_what_to_whom_and_links_the_account(operator_client, ana, platform):
    fund_platform(ana, 100_00)
    ramen = receiving_connection(platform, account__name="Tokyo Ramen Ya")
    money_services.create_transfer(actor=ana, connection=ramen, amount=50_00, currency="usd", idempotency_key="k")
    html = operator_client(ana).get(reverse("home")).content.decode()
    link = reverse("accounts:detail", args=[ramen.account.public_id])
    assert re.search(rf'<strong>Ana Lima</strong> sent \$50\.00 to <a href="{link}">Tokyo Ramen Ya</a>', html)
    assert "<strong>Ana Lima</strong> added $100.00 to the balance" in html
    assert re.search(r"<summary>Details</summary><code class=\"event-action\">transfer\.created</code>", html)


def test_activity_tells_the_accounts_events_without_linking_the_page_to_itself(operator_client, ana, platform):
    fund_platform(ana, 100_00)
    ramen = receiving_connection(platform, account__name="Tokyo Ramen Ya")
    money_services.create_transfer(actor=ana, connection=ramen, amount=50_00, currency="usd", idempotency_key="k")
    html = operator_client(ana).get(reverse("accounts:activity", args=[ramen.account.public_id])).content.decode()
    assert "<strong>Ana Lima</strong> sent $50.00 to Tokyo Ramen Ya" in html


def test_names_and_sentences_are_escaped_and_unknown_actions_read_as_words(platform):
    event = AuditEvent(platform=platform, actor=None, actor_label="system", action="widgets.re_indexed",
                       account_public_id="acct_x")
    event_with_account = AuditEvent(platform=platform, actor=None, actor_label="provider", action="account.created",
                                    account_public_id="acct_x")
    plain, named = timeline.lines([event, event_with_account], names={"acct_x": "<b>Evil</b> & Co"})
    assert plain.html == "widgets re indexed" and plain.actor == "The console"
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co</a>" in named.html and named.actor == "Provider staff"
