"""gunicorn's settings for this site (`make serve` uses them); every value can be set from the environment.

Workers and threads follow the CPU count; requests time out; workers are recycled
now and then, and finish their requests on a graceful restart (HUP, or SIGTERM);
each request is one JSON line on stdout; forwarded headers are trusted only from
the proxies named in FORWARDED_ALLOW_IPS.
"""

import datetime
import json
import multiprocessing
import os

from gunicorn.glogging import Logger

wsgi_app = "ldnsite.wsgi:application"
bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# Threads let a worker overlap the waits on the database and the cache.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers after a while, staggered, so that any slow leak is bounded. Not too often: a new
# worker's first requests are slow (connections, templates), and a worker serving cached pages at
# full load answers 2,000 requests in a few seconds (bench/RESULTS.md, fourth round).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# Load the site once, before forking: less memory, and a broken configuration stops start-up at once.
preload_app = True

# X-Forwarded-For/-Proto are believed only from these addresses (the reverse proxy).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


class JsonAccessLogger(Logger):
    """One JSON line per request, properly escaped (a user agent may hold quotes)."""

    def access(self, resp, req, environ, request_time):
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.syslog):
            return
        line = {
            "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            "logger": "gunicorn.access",
            "remote": environ.get("REMOTE_ADDR", "-"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING", ""),
            "status": resp.status_code,
            "bytes": getattr(resp, "sent", None),
            "ms": round(request_time.total_seconds() * 1000, 1),
            "agent": environ.get("HTTP_USER_AGENT", ""),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # never let logging break a response
            self.exception("Failed to write the access log line")


logger_class = JsonAccessLogger
