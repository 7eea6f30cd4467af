import logging
import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_console.settings")

app = Celery("platform_console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args, countdown: float | None = None) -> bool:
    """Publish `task` once, best-effort: never raises, gives up within seconds. Returns whether it
    was queued.

    Every caller has already committed what the task will act on, and a sweep on the beat
    schedule finds it again (the outbox's re-dispatch, for emails). So an unreachable broker, or
    any other error while publishing, must not turn a change that is saved into a 500 that
    invites the operator to make it twice: it is logged and left to the sweep. The broker
    settings (CELERY_BROKER_TRANSPORT_OPTIONS) keep the one try short.
    """
    try:
        task.apply_async(args=args, countdown=countdown, retry=False)
    except Exception:
        logger.warning("Could not queue %s%r; its sweep will pick it up", task.name, args, exc_info=True)
        return False
    return True
