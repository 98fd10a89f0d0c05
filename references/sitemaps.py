"""Sitemap sections for the reference library, the studies and the conditions."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from .models import Condition, Reference, Study

SECTION_LIMIT = 5000


class ReferenceSitemap(Sitemap):
    limit = SECTION_LIMIT
    changefreq = "yearly"
    priority = 0.4

    def items(self):
        return Reference.objects.only("key", "updated_at").order_by("pk")

    def lastmod(self, reference):
        return reference.updated_at

    def get_latest_lastmod(self):
        # For the index: one aggregate, not a walk through every item as Django's default does.
        return Reference.objects.aggregate(latest=Max("updated_at"))["latest"]


class StudySitemap(Sitemap):
    limit = SECTION_LIMIT
    priority = 0.6

    def items(self):
        return Study.objects.only("slug", "updated_at").order_by("pk")

    def lastmod(self, study):
        return study.updated_at

    def get_latest_lastmod(self):
        return Study.objects.aggregate(latest=Max("updated_at"))["latest"]


class ConditionSitemap(Sitemap):
    priority = 0.6

    def items(self):
        return Condition.objects.filter(studies__isnull=False).distinct().order_by("slug")
