"""Sitemap sections for the published pieces, their tags and authors, and the site's fixed pages."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from ldnsite.sitemaps import SummarisedSitemap

from .models import Article, Author, published_tags


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
        # The latest change among the author's published pieces: the join the filter made.
        return Author.objects.with_published_articles().annotate(lastmod=Max("articles__updated_at")).order_by("slug")

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
