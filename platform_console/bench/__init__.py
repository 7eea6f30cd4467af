"""The benchmark behind `python manage.py bench` (issue 9): a generated data set of N connected
accounts for one platform (`dataset`), the figures measured on it (`figures`) and the table and
JSON they are reported in (`report`). Part of the shell: it may import every app
(tests/test_dependencies.py lists these modules)."""
