"""Pagination that stays cheap on the hundredth page as on the first.

Django's paginator reads a page as ``OFFSET n LIMIT 20`` over the full rows: on
a deep page the database walks past every earlier row, wide columns and all,
before it reaches the twenty it returns. ``KeysFirstPaginator`` asks first for
the page's primary keys alone, which the database reads straight from the index
that keeps the list's order (an index-only scan, no table rows), and then for
those twenty rows by key, with whatever the queryset prefetches.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class KeysFirstPaginator(Paginator):
    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.prefetch_related(None).values_list("pk", flat=True)[bottom:top])
        rows = self.object_list.order_by().in_bulk(keys)
        # A row unpublished or deleted between the two queries is left out, not an error.
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


class CappedCountPaginator(Paginator):
    """Counts no further than ``limit`` results, and pages through that many at most.

    A broad search ("naltrexone", on a site about naltrexone) matches nearly every
    piece and reference; counting them all means reading them all, while nobody
    reads past the first pages. The database stops at ``limit + 1`` matches, and
    ``more`` says there were more than ``limit``.
    """

    limit = 1000

    @cached_property
    def count(self):
        counted = self.object_list.order_by()[: self.limit + 1].count()
        self.more = counted > self.limit
        return min(counted, self.limit)
