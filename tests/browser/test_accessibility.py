"""axe-core on the key pages: no serious or critical accessibility violations (ui.md). axe-core
comes from the npm registry (.ci/run installs it); without it these tests skip."""

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Capability, Person
from requirements_engine import services as requirement_services
from requirements_engine.models import Requirement
from tests.factories import AccountFactory, ConnectionFactory

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("AXE_CORE_PATH", ROOT / ".ci/cache/node_modules/axe-core/axe.min.js"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install axe-core; see .ci/run)"),
]


@pytest.fixture
def context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": True}  # axe is injected as a script of its own


@pytest.fixture
def audit(browser, live_server):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def run(path: str) -> list[dict]:
        page.goto(f"{live_server.url}{path}")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)")
        return [v for v in json.loads(result) if v["impact"] in ("serious", "critical")]

    yield page, run
    context.close()


def describe(violations: list[dict]) -> str:
    return "; ".join(f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['html'][:120]})"
                     for v in violations)


def test_key_pages_have_no_serious_violations(audit, live_server, demo_operator):
    page, run = audit
    assert not (found := run("/login/")), describe(found)

    platform = demo_operator("admin", "admin@demo.test")
    account = AccountFactory(name="Acme Bakery", phone="")
    connection = ConnectionFactory(platform=platform, account=account, custom=True)
    Capability.objects.create(connection=connection, name="card_payments")
    Person.objects.create(account=account, first_name="Maria", last_name="Garcia", is_representative=True)
    requirement_services.recompute(connection)
    Requirement.objects.filter(connection=connection).update(first_due_at=timezone.now() - timedelta(days=1))

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("admin@demo.test")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    path = Requirement.objects.filter(connection=connection).first().path
    for url in ["/", "/accounts/", f"/accounts/{account.public_id}/", f"/accounts/{account.public_id}/requirements/{path}/",
                "/balances/", "/settings/team/", "/audit/"]:
        found = run(url)
        assert not found, f"{url}: {describe(found)}"


def test_a_transfers_page_and_its_reversal_dialog_have_no_serious_violations(audit, live_server, demo_operator):
    from money import services as money_services
    from platform_console.models import Membership
    from tests.money.factories import fund_platform, receiving_connection

    page, run = audit
    platform = demo_operator("admin", "admin@demo.test")
    admin = Membership.objects.get(platform=platform)
    fund_platform(admin, 1_000_00)
    transfer = money_services.create_transfer(actor=admin, connection=receiving_connection(platform),
                                              amount=100_00, currency="usd", idempotency_key="t")
    money_services.reverse_transfer(actor=admin, transfer=transfer, amount=10_00, idempotency_key="r")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("admin@demo.test")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    for url in [f"/balances/transfers/{transfer.public_id}/", "/balances/transfers/",
                f"/balances/transfers/{transfer.public_id}/reverse/"]:
        found = run(url)
        assert not found, f"{url}: {describe(found)}"
