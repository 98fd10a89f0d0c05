from django.contrib.syndication.views import Feed
from django.urls import reverse

from .models import Issue


class IssuesFeed(Feed):
    title = "LDN Evidence newsletter"
    description = "Every issue of the LDN Evidence newsletter, as sent."
    language = "en"

    def feed_url(self):
        return reverse("newsletter:feed")

    def link(self):
        return reverse("newsletter:archive")

    def items(self):
        return Issue.objects.sent()[:50]

    def item_title(self, item):
        return item.subject

    def item_description(self, item):
        return item.intro_html or item.subject

    def item_pubdate(self, item):
        return item.sent_at
