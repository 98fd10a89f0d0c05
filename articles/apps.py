from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Evidence pieces"

    def ready(self):
        from . import signals

        signals.connect()  # the search index and the page cache follow every change (articles.dependencies)
