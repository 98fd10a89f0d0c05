"""How long one newsletter issue takes to reach 10,000 subscribers through a local SMTP server.

    .venv/bin/python bench/newsletter.py [--recipients 10000] [--workers 1] [--database postgres://…/empty_db]

Loads the demo into a temporary SQLite database (or the empty database given), subscribes
``--recipients`` addresses, starts an SMTP server on loopback (aiosmtpd, which keeps nothing) and
``--workers`` real ``manage.py worker`` processes, sends the demo piece as an issue, and prints the
time from "send" until the issue is marked sent, with the messages per second. A measurement, not a test.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", help="an empty database's URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    database = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="ldnsite.settings",
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=database,
        CACHE_URL="dummy://",
        LOG_LEVEL="error",
        SITE_URL="https://evidence.example.org",
    )
    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command
    from django.utils import timezone

    from articles.models import Article
    from articles.newsletter.models import Issue, IssuePiece, MailingList, Subscriber
    from articles.newsletter.tasks import deliver_issue
    from tests.serving import free_port

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    mailing_list = MailingList.objects.get(slug="newsletter")
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n:05}@example.org", confirmed_at=timezone.now(), consent="bench")
        for n in range(args.recipients)
    )
    mailing_list.subscribers.add(*subscribers)
    issue = Issue.objects.create(subject="Bench issue", slug="bench", mailing_list=mailing_list)
    IssuePiece.objects.create(issue=issue, article=Article.objects.published().first())

    class Count:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Count.received += 1
            return "250 OK"

    port = free_port()
    smtp = Controller(Count(), hostname="127.0.0.1", port=port)
    smtp.start()
    environment = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"],
            cwd=ROOT,
            env=environment,
        )
        for _ in range(args.workers)
    ]
    try:
        started = time.perf_counter()
        issue.status, issue.send_at = Issue.Status.SCHEDULED, timezone.now()
        issue.save()
        deliver_issue.enqueue(issue.pk)
        while not Issue.objects.filter(pk=issue.pk, status=Issue.Status.SENT).exists():
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait()
        smtp.stop()
    issue.refresh_from_db()
    vendor = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    print(f"{issue.delivered} of {args.recipients} sent on {vendor} with {args.workers} worker(s) in {elapsed:.1f} s")
    print(f"{issue.delivered / elapsed:.0f} messages a second; the SMTP server received {Count.received}")


if __name__ == "__main__":
    main()
