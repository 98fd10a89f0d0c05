"""The base of the site's sitemap sections: size and latest change from one query."""

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.utils.functional import cached_property

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
