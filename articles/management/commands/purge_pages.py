"""Drop every page the page cache (and any front cache) keeps: `make serve` runs it after a deploy."""

from django.core.management.base import BaseCommand

from ldnsite import page_cache


class Command(BaseCommand):
    help = "Drop every kept page, here and in the front caches (after a deploy, or a bulk load)."

    def handle(self, *args, **options):
        page_cache.purge_everything()
        self.stdout.write("Dropped every kept page.")
