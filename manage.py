#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readinglist.settings")
    # manage.py is the developer's tool: without DEBUG in the environment it
    # runs in development. Servers start from wsgi.py, which has no such
    # default, and production sets DEBUG=0 explicitly (docker-compose.yml).
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
