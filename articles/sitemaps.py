"""Sitemap sections for the published pieces, their tags and authors, and the site's fixed pages."""

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.urls import reverse
from django.utils.functional import cached_property

from .models import Article, Author, published_tags

# Well under the protocol's 50,000 a file, so each section splits into pages as the site grows.
SECTION_LIMIT = 5000


class SummarisedSitemap(Sitemap):
    """A section whose size and latest change come from one aggregate query.

    The sitemap index asks every section for its number of pages and its latest
    change; Django's defaults spend a COUNT and a walk (or an aggregate) on each.
    ``latest_field`` names the field that holds when each item last changed.
    """

    limit = SECTION_LIMIT
    latest_field = "updated_at"

    @cached_property
    def summary(self):
        # COUNT(*), not COUNT(id): with an index on the latest field, PostgreSQL reads only that index.
        return self.items().aggregate(count=Count("*"), latest=Max(self.latest_field))

    @cached_property
    def paginator(self):
        paginator = Paginator(self.items(), self.limit)  # no per-language entries here (i18n is off)
        paginator.count = self.summary["count"]
        return paginator

    def get_latest_lastmod(self):
        return self.summary["latest"]


class ArticleSitemap(SummarisedSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, article):
        return article.updated_at


class TagSitemap(SummarisedSitemap):
    changefreq = "weekly"
    latest_field = "lastmod"

    def items(self):
        return published_tags().annotate(lastmod=Max("articles_taggedarticle_items__content_object__updated_at"))

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})

    def lastmod(self, tag):
        return tag.lastmod


class AuthorSitemap(SummarisedSitemap):
    latest_field = "lastmod"

    def items(self):
        return (
            Author.objects.filter(articles__in=Article.objects.published())
            .annotate(lastmod=Max("articles__updated_at"))
            .order_by("slug")
        )

    def lastmod(self, author):
        return author.lastmod


class PageSitemap(Sitemap):
    """The home page and the lists readers start from."""

    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["home", "articles:list", "articles:tags", "articles:authors", "references:list", "references:studies"]

    def location(self, name):
        return reverse(name)
