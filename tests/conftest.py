"""Small factories for the suite: each makes one valid object, overridable by keyword."""

import datetime
import io
import itertools
import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from articles.models import Article, Author, Byline, Citation
from references.models import Condition, Reference, Study, StudyReport

from .browsing import CHROMIUM, CHROMIUM_ARGS

_serial = itertools.count(1)

# The hostile-input suite's property tests: the same examples on every run by default, so a
# failure in CI reproduces; HYPOTHESIS_PROFILE=explore searches randomly and much longer.
hypothesis_settings.register_profile("default", max_examples=50, derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", max_examples=2000, derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache, so no page cached by another test's content is served."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_reference(db):
    def make(**fields):
        n = next(_serial)
        values = {
            "key": f"ref{n}",
            "kind": Reference.Kind.JOURNAL_ARTICLE,
            "title": f"A study of low-dose naltrexone, number {n}",
            "authors": "Doe J, Roe R",
            "container": "Journal of Pain Studies",
            "year": 2010,
        }
        values.update(fields)
        return Reference.objects.create(**values)

    return make


@pytest.fixture
def make_author(db):
    def make(**fields):
        n = next(_serial)
        values = {"name": f"Author Number{n}", "slug": f"author-{n}", "credentials": "MD"}
        values.update(fields)
        return Author.objects.create(**values)

    return make


@pytest.fixture
def make_article(db, make_author):
    """A published article by default; ``authors``, ``references`` and ``tags`` take lists."""

    def make(authors=None, references=(), tags=(), **fields):
        n = next(_serial)
        values = {
            "title": f"Evidence piece {n}",
            "slug": f"evidence-piece-{n}",
            "summary": f"What evidence piece {n} tells the reader.",
            "body": "## Findings\n\nPain fell.",
            "status": Article.Status.PUBLISHED,
            "published_at": timezone.now() - datetime.timedelta(days=1),
        }
        values.update(fields)
        article = Article.objects.create(**values)
        for position, author in enumerate(authors if authors is not None else [make_author()], 1):
            Byline.objects.create(article=article, author=author, position=position)
        for position, reference in enumerate(references, 1):
            Citation.objects.create(article=article, reference=reference, position=position)
        if tags:
            article.tags.set(list(tags))
        return article

    return make


@pytest.fixture
def make_condition(db):
    def make(**fields):
        n = next(_serial)
        values = {"name": f"Condition {n}", "slug": f"condition-{n}"}
        values.update(fields)
        return Condition.objects.create(**values)

    return make


@pytest.fixture
def make_study(db, make_condition, make_reference):
    """A crossover study of 4.5 mg a day with one main report; ``report`` sets that report's fields,
    ``reports`` adds more (each a dict of fields, with its own ``reference`` or a new one)."""

    def make(conditions=None, report=None, reports=(), **fields):
        n = next(_serial)
        values = {
            "title": f"Trial {n} of low-dose naltrexone",
            "slug": f"trial-{n}",
            "design": Study.Design.CROSSOVER,
            "blinding": Study.Blinding.DOUBLE,
            "dose_mg": Decimal("4.5"),
            "frequency": Study.Frequency.DAILY,
            "comparator": "Placebo",
            "duration_weeks": Decimal(12),
        }
        values.update(fields)
        study = Study.objects.create(**values)
        study.conditions.set(conditions if conditions is not None else [make_condition()])
        main = {"participants": 30, "sex": StudyReport.Sex.WOMEN, "effect_pct": Decimal("10.0"), **(report or {})}
        for fields, is_main in [(main, True), *((extra, False) for extra in reports)]:
            fields = {"reference": fields.get("reference") or make_reference(), **fields}
            StudyReport.objects.create(study=study, is_main=is_main, **fields)
        return study

    return make


# What the data migrations make: the roles' groups with their grants (each migration's frozen list, as
# "app.codename" or, per app, codenames), and the newsletter's list.
ROLE_GRANTS = [
    ("articles.migrations.0008_editorial_groups", "GROUPS", None),
    ("articles.newsletter.migrations.0002_the_newsletter_and_its_editors", "EDITORS", None),
    ("articles.migrations.0017_series_for_editors", "GRANTS", "articles"),
    ("references.migrations.0010_outcomes", "GRANTS", "references"),
    ("references.migrations.0012_living_evidence", "GRANTS", "references"),
    ("articles.migrations.0018_review_governance", "GRANTS", "articles"),
]


def make_migration_data():
    """Make again what the data migrations made, in a few queries (each finds what exists and adds what is
    missing); the permissions themselves exist (Django makes them after migrate and after a flush)."""
    import importlib

    from django.contrib.auth.models import Group, Permission

    from articles.newsletter.models import MailingList

    wanted = {}  # group name -> {(app label, codename), …}
    for module, name, app_label in ROLE_GRANTS:
        grants = getattr(importlib.import_module(module), name)
        if isinstance(grants, list):  # the newsletter's: the Editors'
            grants = {"Editors": grants}
        for group, codes in grants.items():
            wanted.setdefault(group, set()).update(
                (app_label, code) if app_label else tuple(code.split(".")) for code in codes
            )
    Group.objects.bulk_create([Group(name=name) for name in wanted], ignore_conflicts=True)
    groups = dict(Group.objects.filter(name__in=wanted).values_list("name", "pk"))
    permissions = {
        (app_label, codename): pk
        for pk, app_label, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    Group.permissions.through.objects.bulk_create(
        [
            Group.permissions.through(group_id=groups[name], permission_id=permissions[code])
            for name, codes in wanted.items()
            for code in codes
        ],
        ignore_conflicts=True,
    )
    MailingList.main()


def _made_again_after_flush(sender, **kwargs):
    """A transactional test ends by emptying every table, then Django emits post_migrate (as after
    ``migrate``) to make the permissions again; the migrations' data is made again here, once per flush
    (the newsletter is the last app), so that the tests after it, in whatever order they run (pytest-xdist
    hands each worker a share), find the database as migrated."""
    if sender.label == "newsletter":
        make_migration_data()


post_migrate.connect(_made_again_after_flush, dispatch_uid="tests-migration-data-after-flush")


@pytest.fixture
def editorial_groups(db):
    """The role groups with every grant their migrations give them."""
    make_migration_data()


@pytest.fixture
def people(editorial_groups, make_author):
    """A signed-in (user, client) per role: two Authors, a Medical reviewer linked to an author
    profile, an Editor, and a staff account with no role at all."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    def person(name, group=None):
        user = get_user_model().objects.create_user(name, f"{name}@example.org", "pw", is_staff=True)
        if group:
            user.groups.add(Group.objects.get(name=group))
        client = Client()
        client.force_login(user)
        return user, client

    roles = {
        "author": person("amy", "Authors"),
        "other_author": person("otto", "Authors"),
        "reviewer": person("rita", "Medical reviewers"),
        "editor": person("ed", "Editors"),
        "staff": person("sam"),
    }
    make_author(name="Rita Reviewer", slug="rita", credentials="MD", user=roles["reviewer"][0])
    return roles


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


# The browser tests (see browsing.py)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.skip("No Chromium found: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH.")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: run make test.")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """The static files, collected once, for the tests that run gunicorn with production settings."""
    from .serving import collect_static

    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root


@pytest.fixture
def site(transactional_db, live_server):
    call_command("load_demo", stdout=io.StringIO())
    return live_server.url
