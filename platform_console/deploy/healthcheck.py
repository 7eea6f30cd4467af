"""Container healthchecks (docker-compose.yml, the Dockerfile): `python healthcheck.py web|beat`.
Exit 0 when healthy; what was seen goes to stdout, which `docker inspect` shows.

web: GET /healthz on this container's gunicorn, as the load balancer would. The request carries a
Host the settings accept (the first of ALLOWED_HOSTS: from 127.0.0.1 with a public host name in
ALLOWED_HOSTS Django would answer 400) and `X-Forwarded-Proto: https` (the proxy in front says so;
without it SECURE_SSL_REDIRECT would answer 301). Redirects are not followed: only 200 with
status "ok" counts.

beat: beat has nothing to ask, but its schedule file is written at start and then at least every
three minutes while it sends tasks (Celery's sync_every; the outbox sweep runs every minute), so a
file older than BEAT_STALE_AFTER means beat is stuck.

(The worker's check is `celery inspect ping` in docker-compose.yml: it needs the worker itself.)

Standard library only, and no Django: a probe every few seconds must be cheap.
"""

import glob
import http.client
import json
import os
import sys
import time

TIMEOUT = 2.5  # seconds; inside the healthcheck timeouts (3 s in the Dockerfile)
BEAT_SCHEDULE = "/tmp/celerybeat-schedule"  # start.sh beat: -s /tmp/celerybeat-schedule
BEAT_STALE_AFTER = 10 * 60  # seconds


def probe_host() -> str:
    """A Host header that ALLOWED_HOSTS accepts: its first entry made concrete."""
    for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):
        entry = entry.strip()
        if entry and entry != "*":
            return entry.lstrip(".")  # ".example.com" also matches "example.com"
    return "localhost"


def web() -> int:
    port = int(os.environ.get("BIND", "0.0.0.0:8000").rsplit(":", 1)[-1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("GET", "/healthz", headers={"Host": probe_host(), "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        body = response.read(4096).decode("utf-8", "replace")
    except OSError as error:
        print(f"web: no answer on 127.0.0.1:{port}: {error}")
        return 1
    finally:
        connection.close()
    print(f"web: {response.status} {body}")
    try:
        healthy = response.status == 200 and json.loads(body).get("status") == "ok"
    except ValueError:
        healthy = False
    return 0 if healthy else 1


def beat() -> int:
    files = glob.glob(BEAT_SCHEDULE + "*")  # the dbm module may add a suffix (-wal, .db, .dat)
    if not files:
        print(f"beat: no {BEAT_SCHEDULE} yet")
        return 1
    age = time.time() - max(os.path.getmtime(path) for path in files)
    print(f"beat: schedule written {age:.0f} s ago")
    return 0 if age < BEAT_STALE_AFTER else 1


if __name__ == "__main__":
    checks = {"web": web, "beat": beat}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        sys.exit("usage: healthcheck.py web|beat")
    sys.exit(checks[sys.argv[1]]())
