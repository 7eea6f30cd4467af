"""`/healthz` for load balancers, uptime probes and the container healthcheck: no sign-in, JSON,
200 when the console can serve, 503 (with what is wrong) when it cannot."""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .celery import app
from .decorators import public_page

BROKER_TIMEOUT = 2  # seconds; a probe must answer well inside its own timeout
_migrated = False  # once every migration is applied, this process need not look again


def _database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _migrations() -> str:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if unapplied:
            return f"{len(unapplied)} unapplied"
        _migrated = True
    return "ok"


def _broker() -> str:
    if app.conf.task_always_eager:
        return "in-process"
    with app.connection_for_write(connect_timeout=BROKER_TIMEOUT) as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
    return "ok"


CHECKS = {"database": _database, "migrations": _migrations, "broker": _broker}


@public_page
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # noqa: BLE001 - a probe reports what failed; it never raises
            results[name] = f"error: {type(error).__name__}"
    healthy = all(value in ("ok", "in-process") for value in results.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": results},
                        status=200 if healthy else 503)
