import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_console.settings")
# Read by the settings: web processes get the statement timeout, workers and commands don't.
os.environ.setdefault("CONSOLE_PROCESS", "web")

application = get_wsgi_application()
