"""The benchmark behind `python manage.py bench` (issues 9 and 19): a generated data set of N
connected accounts for one platform (`dataset`), the figures measured on it (`figures`, `http`)
and the table and JSON they are reported in (`report`). It lives beside the tests, not in the
product: it imports every app, which no product package may (tests/test_dependencies.py)."""
