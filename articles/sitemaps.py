"""Sitemap sections for the published pieces, their tags and authors, and the site's fixed pages."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Article, Author, published_tags

# Well under the protocol's 50,000 a file, so each section splits into pages as the site grows.
SECTION_LIMIT = 5000


def _latest_published_change():
    return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class ArticleSitemap(Sitemap):
    limit = SECTION_LIMIT
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        # For the index: one aggregate, not a walk through every item as Django's default does.
        return _latest_published_change()


class TagSitemap(Sitemap):
    limit = SECTION_LIMIT
    changefreq = "weekly"

    def items(self):
        return published_tags().annotate(lastmod=Max("articles_taggedarticle_items__content_object__updated_at"))

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})

    def lastmod(self, tag):
        return tag.lastmod

    def get_latest_lastmod(self):
        return _latest_published_change()


class AuthorSitemap(Sitemap):
    limit = SECTION_LIMIT

    def items(self):
        return (
            Author.objects.filter(articles__in=Article.objects.published())
            .annotate(lastmod=Max("articles__updated_at"))
            .order_by("slug")
        )

    def lastmod(self, author):
        return author.lastmod

    def get_latest_lastmod(self):
        return _latest_published_change()


class PageSitemap(Sitemap):
    """The home page and the lists readers start from."""

    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["home", "articles:list", "articles:tags", "articles:authors", "references:list", "references:studies"]

    def location(self, name):
        return reverse(name)
