"""What every request and response passes through before any view: hostile input is refused at
the edge, and the headers every page must carry are set on the way out.

Control characters: no field of the console accepts them, and a NUL byte is worse than
useless: PostgreSQL refuses it in any text parameter ("A string literal cannot contain NUL"),
so one `%00` in a URL, a query parameter or a form field reached a query and answered 500, on
signed-in pages and on the bearer-link pages alike. Checking every view and form would miss the
next one; refusing them here, before sessions, views or queries see the request, covers pages
that do not exist yet.
"""

import re
from collections.abc import Callable, Iterable

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views import defaults

# C0 controls except tab, LF and CR (which text areas legitimately send), DEL, and the C1
# controls: nobody types them, and a few (U+0085, U+001C-U+001E) split lines in Python.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# The console uses none of these browser features; a page that was made to run someone else's
# script still cannot reach the camera, the microphone or a payment sheet.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def _carry_control_characters(values: Iterable[str]) -> bool:
    return any(CONTROL_CHARACTERS.search(value) for value in values)


def _query_and_form_text(request: HttpRequest) -> Iterable[str]:
    """Names and values of the query string and of a POSTed form (urlencoded or multipart). Not
    uploads: their contents are bytes the field validates, and Django's multipart parser already
    drops unprintable characters from their file names."""
    for key, values in request.GET.lists():
        yield key
        yield from values
    if request.method != "POST":
        return  # Django parses a body for POST only; other methods carry no form here.
    for key, values in request.POST.lists():
        yield key
        yield from values


class EdgeMiddleware:
    """Refuses control characters in the path (404: no page has such an address) and in query
    or form fields (400), and sets the response headers of every page. Sits before the session
    middleware, so a refused request costs no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A cookie with a NUL in it (a session id the session table is queried with) is dropped,
        # not refused: a 400 would lock that browser out until the cookie expired, while without
        # it the browser is simply new here and signs in again.
        request.COOKIES = {
            name: value
            for name, value in request.COOKIES.items()
            if not CONTROL_CHARACTERS.search(name + value)
        }
        response = self._refusal(request) or self.get_response(request)
        self._set_headers(request, response)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # Bearer-link pages show an account holder's private data without a signed-in user.
        request.is_public_page = getattr(view_func, "is_public", False)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        if _carry_control_characters([request.path]):
            return defaults.page_not_found(request, Http404())
        if _carry_control_characters(_query_and_form_text(request)):
            return defaults.bad_request(request, BadRequest())
        return None

    def _set_headers(self, request: HttpRequest, response: HttpResponse) -> None:
        response["Permissions-Policy"] = PERMISSIONS_POLICY
        # gunicorn and runserver add their own banner after Django (see gunicorn_conf.py); this
        # only makes sure no view or middleware of ours names the software either.
        del response["Server"]
        user = getattr(request, "user", None)
        if getattr(request, "is_public_page", False) or (user is not None and user.is_authenticated):
            # Account data, balances and people's details: no browser or proxy may keep a copy
            # to show the next person at this machine (the back button after signing out).
            patch_cache_control(response, private=True, no_store=True)
