from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark as an app of its own, outside the product's packages: installed only when
    CONSOLE_BENCH=1 (manage.py sets it for `manage.py bench`; the test settings set it), so that
    `bench` is a command there and nowhere else."""

    name = "tests.perf.bench"
    label = "bench"
    verbose_name = "Benchmark"
