import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_console.settings")

app = Celery("platform_console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
