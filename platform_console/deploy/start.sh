#!/bin/sh
# What each container of docker-compose.yml runs (the image's entrypoint), and what the deployment
# test runs on a bare machine: `start.sh migrate | web | worker | beat`.
set -eu
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python}"

case "${1:-web}" in
  migrate)
    exec "$PYTHON" manage.py migrate --noinput
    ;;
  web)
    # The image collects static files when it is built; a checkout run straight from source
    # (the deployment test, a bare server) collects them once here.
    # (STATIC_ROOT as the settings read it: the manifest must be where the web process looks.)
    if [ ! -f "${STATIC_ROOT:-staticfiles}/staticfiles.json" ]; then
      "$PYTHON" manage.py collectstatic --noinput --verbosity 0
    fi
    exec "$PYTHON" -m gunicorn -c platform_console/gunicorn_conf.py platform_console.wsgi \
      --bind "${BIND:-0.0.0.0:8000}" --workers "${WEB_CONCURRENCY:-3}" --timeout 30
    ;;
  worker)
    exec "$PYTHON" -m celery -A platform_console worker -l "${LOG_LEVEL:-info}" --concurrency "${WORKER_CONCURRENCY:-2}"
    ;;
  beat)
    exec "$PYTHON" -m celery -A platform_console beat -l "${LOG_LEVEL:-info}" -s /tmp/celerybeat-schedule
    ;;
  *)
    echo "usage: start.sh migrate|web|worker|beat" >&2
    exit 2
    ;;
esac
