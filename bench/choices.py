"""The measurements behind three choices in the code, so their comments need no figures of their own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/15 \
        .venv/bin/python bench/choices.py

1. Snippets strip a rendered piece's tags with nh3 (articles/search/results.py) rather than
   Django's ``strip_tags``: microseconds for one long piece, each way.
2. Rows written in bulk get their search vector as one piece of SQL with the values as parameters
   (articles/search/index.py, ``_vector_of``) rather than as composed ``SearchVector(Value(…))``
   expressions: microseconds to compile one row's expression, each way (PostgreSQL only).
3. The Redis cache runs on django-redis (ldnsite/settings.py) rather than Django's own backend:
   microseconds for one ``get_many`` of 12 keys, each way (needs REDIS_URL).

Medians over ``--repeat`` runs. A measurement, not a test: it prints figures and asserts nothing.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def median_us(function, repeat):
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1e6)
    return statistics.median(timings)


def snippets(repeat):
    from django.utils.html import strip_tags

    from articles.rendering import render_article_body
    from articles.search.results import _text_only

    paragraph = "Pain fell by a third on LDN, and *sleep* improved [@younger2013]. " * 12
    body = "\n\n".join(f"## Section {n}\n\n{paragraph}" for n in range(30))
    html = render_article_body(body.replace("[@younger2013]", "")).html
    print(f"{len(html):,} characters of HTML:")
    print(f"  nh3 Cleaner            {median_us(lambda: _text_only.clean(html), repeat):>10.0f} µs")
    print(f"  django strip_tags      {median_us(lambda: strip_tags(html), repeat):>10.0f} µs")


def vectors(repeat):
    from django.contrib.postgres.search import SearchVector
    from django.db import connection
    from django.db.models import Value

    from articles.models import Article
    from articles.search.index import ARTICLE_FIELDS, CONFIG, _vector_of

    if connection.vendor != "postgresql":
        print("search vectors: skipped (set DATABASE_URL to a PostgreSQL database)")
        return
    piece = Article(title="LDN and sleep", summary="What the trials say.", search_text="sleep", body="Text. " * 200)

    def compile_expression(expression):
        query = Article.objects.all().query
        compiler = query.get_compiler(connection=connection)
        return expression.resolve_expression(query).as_sql(compiler, connection)

    def composed():
        vectors = [
            SearchVector(Value(getattr(piece, name)), weight=weight, config=CONFIG)
            for name, weight in ARTICLE_FIELDS.items()
        ]
        total = vectors[0]
        for vector in vectors[1:]:
            total += vector
        return compile_expression(total)

    print("one row's search vector, compiled:")
    one_sql = median_us(lambda: compile_expression(_vector_of(ARTICLE_FIELDS, piece)), repeat)
    print(f"  one SQL, values as parameters {one_sql:>8.0f} µs")
    print(f"  composed expressions          {median_us(composed, repeat):>8.0f} µs")


def redis_clients(repeat):
    from django.core.cache.backends.redis import RedisCache
    from django_redis.cache import RedisCache as DjangoRedisCache

    location = os.environ.get("REDIS_URL")
    if not location:
        print("Redis clients: skipped (set REDIS_URL to a Redis database you can write to)")
        return
    keys = [f"bench-choices-{n}" for n in range(12)]
    print("get_many of 12 keys:")
    for name, backend in (("django-redis", DjangoRedisCache), ("Django's own backend", RedisCache)):
        cache = backend(location, {})
        cache.set_many(dict.fromkeys(keys, 1))
        print(f"  {name:<22} {median_us(lambda cache=cache: cache.get_many(keys), repeat):>10.0f} µs")
        cache.delete_many(keys)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnsite.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    snippets(args.repeat)
    vectors(args.repeat)
    redis_clients(args.repeat)


if __name__ == "__main__":
    main()
