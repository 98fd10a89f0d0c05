"""Start-up configuration: production refuses to guess its secrets, and says which one is missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage_check(**env):
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    base["DJANGO_SETTINGS_MODULE"] = "ldnsite.settings"
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "s" * 50}, "ALLOWED_HOSTS"),
        ({"DEBUG": "maybe"}, "DEBUG"),
    ],
)
def test_production_start_up_stops_with_one_line_naming_the_missing_setting(env, named):
    result = manage_check(**env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error:") and named in lines[0]


def test_production_starts_when_its_settings_are_given():
    result = manage_check(SECRET_KEY="s" * 50, ALLOWED_HOSTS="evidence.example.org")
    assert result.returncode == 0, result.stderr


def test_a_laptop_needs_no_settings_at_all():
    assert manage_check(DEBUG="1").returncode == 0
