"""gunicorn's configuration: docker-compose starts the web service with
`gunicorn -c platform_console/gunicorn_conf.py`.

gunicorn writes `Server: gunicorn` itself, after Django has built the response, so no middleware
can remove it, and no setting turns it off (setting `gunicorn.SERVER` changes nothing: the name
is copied into `gunicorn.http.wsgi` at import, and would only empty the value, not drop the
line). gunicorn runs this file in the master before it forks the workers, so dropping that one
line from the headers it adds here covers every worker. A banner tells a scanner which software
to look up flaws for and tells a browser nothing it needs. (`manage.py runserver`, for
development only, still sends its own.)
"""

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _without_server_banner(response: wsgi.Response) -> list[str]:
    return [line for line in _default_headers(response) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _without_server_banner

# gunicorn 27's control socket would live under $HOME/.gunicorn, which the image's unprivileged
# user cannot write; nothing here uses it.
control_socket_disable = True
