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
