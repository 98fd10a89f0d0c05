"""An editor for bench/load.py: another process of the site, saving pieces when told to, as the admin or a
background worker would (the page cache and any front cache are purged after each commit).

Reads lines from standard input: ``edit <pk> <title>`` saves that piece with that title, ``flush``
drops every kept page (a site-wide flush, for comparison); after each, prints the Unix time at
which the change was committed and purged. Runs with the environment of the server it edits for.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnsite.settings")
    import django

    django.setup()
    from articles.models import Article
    from ldnsite import page_cache

    print("ready", flush=True)
    for line in sys.stdin:
        command, _, rest = line.strip().partition(" ")
        if command == "edit":
            pk, _, title = rest.partition(" ")
            article = Article.objects.get(pk=int(pk))
            article.title = title
            article.save()  # outside a transaction: committed, then purged, before save() returns
        elif command == "flush":
            page_cache.purge_everything()
        print(f"done {time.time():.6f}", flush=True)


if __name__ == "__main__":
    main()
