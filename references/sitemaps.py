"""Sitemap sections for the reference library, the studies and the conditions."""

from django.contrib.sitemaps import Sitemap

from ldnsite.sitemaps import SummarisedSitemap

from .models import Condition, Reference, Study


class ReferenceSitemap(SummarisedSitemap):
    changefreq = "yearly"
    priority = 0.4

    def items(self):
        return Reference.objects.only("key", "updated_at").order_by("pk")

    def lastmod(self, reference):
        return reference.updated_at


class StudySitemap(SummarisedSitemap):
    priority = 0.6

    def items(self):
        return Study.objects.only("slug", "updated_at").order_by("pk")

    def lastmod(self, study):
        return study.updated_at


class ConditionSitemap(Sitemap):
    priority = 0.6

    def items(self):
        return Condition.objects.filter(studies__isnull=False).distinct().order_by("slug")
