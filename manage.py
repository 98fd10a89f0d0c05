#!/usr/bin/env python
"""Django's command-line utility for the LDN evidence site."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnsite.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A missing or malformed setting is the operator's to fix: say which, without a traceback.
        sys.exit(f"Configuration error: {error}")


if __name__ == "__main__":
    main()
