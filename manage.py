#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_console.settings")
    if sys.argv[1:2] == ["bench"]:  # the benchmark's app (tests/perf/bench) is installed for it only
        os.environ.setdefault("CONSOLE_BENCH", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
