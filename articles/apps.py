from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Evidence pieces"

    def ready(self):
        from . import pages, signals  # noqa: F401 (importing signals connects the search index's receivers)
        from .caching import connect_invalidation

        connect_invalidation()
        pages.connect()
