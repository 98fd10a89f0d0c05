"""RSS 2.0 and Atom feeds of the published pieces, for the whole site and for each tag."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from .models import Article, published_tags

FEED_LENGTH = 30


class LatestArticlesFeed(Feed):
    """The newest published pieces, with their summaries, authors, dates and tags."""

    feed_type = Rss201rev2Feed
    title = "LDN Evidence: latest evidence pieces"
    description = "New pieces on the research into low-dose naltrexone (LDN) for fibromyalgia and related conditions."
    language = "en"

    def link(self):
        return reverse("articles:list")

    def feed_url(self):
        return reverse("articles:feed_rss")

    def items(self):
        return Article.objects.published().with_cards()[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_author_name(self, item):
        return ", ".join(author.display_name for author in item.credited_authors) or None

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return sorted(tag.name for tag in item.tags.all())


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description

    def feed_url(self):
        return reverse("articles:feed_atom")


class TagFeed(LatestArticlesFeed):
    """The newest published pieces carrying one tag."""

    def get_object(self, request, slug):
        return get_object_or_404(published_tags(), slug=slug)

    def title(self, tag):
        return f"LDN Evidence: pieces on {tag.name}"

    def description(self, tag):
        return f"New evidence pieces tagged “{tag.name}”."

    def link(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})

    def feed_url(self, tag):
        return reverse("articles:tag_feed_rss", kwargs={"slug": tag.slug})

    def items(self, tag):
        return Article.objects.published().tagged(tag).with_cards()[:FEED_LENGTH]


class TagAtomFeed(TagFeed):
    feed_type = Atom1Feed

    def subtitle(self, tag):
        return self.description(tag)

    def feed_url(self, tag):
        return reverse("articles:tag_feed_atom", kwargs={"slug": tag.slug})
