"""Logging pieces the settings refer to by name."""

import logging


class AsWarning(logging.Filter):
    """Report a record as a warning: for a request with a bad Host header, which a bot sends often
    and nobody needs e-mailing about (Django logs it as an error, and errors go to ADMINS)."""

    def filter(self, record):
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
