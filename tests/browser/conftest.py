import pytest


@pytest.fixture
def log_in(page, live_server, client):
    """Copy a force_login session cookie into the browser context."""

    def do(membership):
        client.force_login(membership.user)
        cookie = client.cookies["sessionid"]
        page.context.add_cookies(
            [{"name": "sessionid", "value": cookie.value, "url": live_server.url, "httpOnly": True}]
        )
        return page

    return do


@pytest.fixture
def demo_operator(db):
    """Create an operator of a US platform with a complete profile; returns a function(role)->email."""
    from tests.factories import MembershipFactory, PlatformFactory, UserFactory

    platform = PlatformFactory(name="Rocket Rides")

    def make(role: str, email: str):
        user = UserFactory(email=email, password="demo")
        MembershipFactory(user=user, platform=platform, roles=[role])
        return platform

    return make


@pytest.fixture
def sign_in(page, live_server):
    """Sign in through the login form, on the test's page or on another (`on=`: a page of a
    browser context of another size)."""

    def do(email: str, password: str = "demo", *, on=None):
        target = on or page
        target.goto(f"{live_server.url}/login/")
        target.get_by_label("Email").fill(email)
        target.get_by_label("Password").fill(password)
        target.get_by_role("button", name="Sign in").click()
        target.wait_for_url(f"{live_server.url}/")
        return target

    return do
