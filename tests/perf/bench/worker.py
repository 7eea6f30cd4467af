"""A transfer worker process of the benchmark. Spawned as a fresh interpreter, so this module
imports no model at the top: Django is set up here first, with the parent's settings module
(inherited through the environment) and the parent's database name (under the tests that is the
test database, which only the parent's settings know)."""


def run(
    database: str, data: dict, connection_ids: list[int], seconds: float, run_id: str, barrier, results
) -> None:
    """`data` is the Dataset as a dict: unpickling the object itself would import models before
    Django is set up."""
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database
    settings.DEBUG = False  # no query log in the workers, as in production
    django.setup()

    from . import figures
    from .dataset import Dataset

    results.put(figures.transfer_loop(Dataset(**data), connection_ids, seconds, run_id, barrier.wait))
