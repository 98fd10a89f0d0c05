"""Serving the site as production does, for the tests (and bench/load.py) that need other processes:
gunicorn with the production settings, a second process (``manage.py``), collected static files, and
Varnish in front with the VCL the repository ships."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
VARNISHD = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")


def database_url():
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def production_environment(static_root):
    environment = {name: value for name, value in os.environ.items() if name not in ("CACHE_URL", "REDIS_URL", "DEBUG")}
    environment.update(
        DJANGO_SETTINGS_MODULE="ldnsite.settings",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(),
        STATIC_ROOT=str(static_root),
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="2",
        LOG_LEVEL="warning",
        PYTHONPATH=str(ROOT),
    )
    return environment


def manage(environment, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, check=True, capture_output=True)


def collect_static(root):
    """collectstatic into ``root``, as production serves the files (hashed names, compressed)."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ldnsite.settings",
        "DEBUG": "0",
        "SECRET_KEY": "collectstatic",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(root),
    }
    manage(environment, "collectstatic", "--noinput", "--verbosity", "0")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn, as ``make serve`` starts it, on a free loopback port."""

    def __init__(self, environment):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = environment
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.process.stderr.read().decode()[-2000:])

    def get(self, path, **headers):
        # A new connection each time, so that the requests spread over the workers.
        return httpx.get(self.url + path, headers={"X-Forwarded-Proto": "https", **headers}, timeout=10)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class Varnish:
    """varnishd in the foreground, with the shipped VCL pointed at ``backend_port``."""

    def __init__(self, port, backend_port, workdir):
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        vcl = (ROOT / "ldnsite" / "varnish.vcl").read_text()
        assert '.port = "8000";' in vcl
        config = workdir / "site.vcl"
        config.write_text(vcl.replace('.port = "8000";', f'.port = "{backend_port}";'))
        self.process = subprocess.Popen(
            [VARNISHD, "-F", "-j", "none", "-n", str(workdir / "varnish"), "-a", f"127.0.0.1:{self.port}"]
            + ["-f", str(config), "-s", "malloc,64m"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/healthz", timeout=1)
                return
            except httpx.TransportError:
                if self.process.poll() is not None:
                    raise RuntimeError("varnishd stopped: " + self.process.stdout.read().decode()[-3000:]) from None
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("varnishd did not start")

    def get(self, path, **headers):
        return httpx.get(self.url + path, headers={"X-Forwarded-Proto": "https", **headers}, timeout=10)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
