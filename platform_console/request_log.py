"""One log line per request: time, level, request id, user, platform, method, path, status and
duration; and a query cancelled by the statement timeout answered with a page, not a 500.
The request id comes from `X-Request-Id` when a trusted proxy sends a sane token (so a
load balancer's id carries through), is stored on audit events, and goes back as `Request-Id`."""

import logging
import re
import time
import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .client_ip import from_trusted_proxy
from .timeouts import statement_cancelled

logger = logging.getLogger("platform_console.requests")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-Id", "")
        # Taken over only from our own load balancer: anyone else could pick the id their requests
        # are filed under in the audit log.
        trusted = _SANE_ID.match(incoming) and from_trusted_proxy(request)
        request.request_id = incoming if trusted else uuid.uuid4().hex
        started = time.monotonic()
        response = self.get_response(request)
        response["Request-Id"] = request.request_id
        user = getattr(request, "user", None)
        platform = getattr(request, "platform", None)
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        logger.log(level, "%s %s %s", request.method, request.path, response.status_code, extra={
            "request_id": request.request_id,
            "user": user.email if user is not None and user.is_authenticated else "",
            "platform": platform.public_id if platform is not None else "",
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        })
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A query PostgreSQL cancelled at the statement timeout: a page that says so, not a 500."""
        if statement_cancelled(exception):
            logger.warning("Statement timeout on %s %s", request.method, request.path,
                           extra={"request_id": getattr(request, "request_id", "")})
            return render(request, "503_timeout.html", status=503)
        return None
