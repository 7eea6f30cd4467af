from django.http import HttpRequest
from django.shortcuts import render

from .errors import AccountInOtherMode, AccountRemoved


class AccountRemovedMiddleware:
    """Answer every request about a removed account with one clear page (410 Gone), and one about
    an account of the other mode with a page that offers the switch (404: not in this mode)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, AccountRemoved):
            connection = exception.connection
            return render(request, "accounts/removed.html", {"removed": connection, "account": connection.account},
                          status=410)
        if isinstance(exception, AccountInOtherMode):
            return render(request, "accounts/other_mode.html",
                          {"account_id": exception.account_id, "account_livemode": exception.livemode}, status=404)
        return None
