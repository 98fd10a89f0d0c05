from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "articles.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter"

    def ready(self):
        from django_tasks.signals import task_finished

        from .tasks import forget_unconfirmed_address

        # A confirmation's queue entry holds an address nobody has confirmed yet: gone once it has run.
        task_finished.connect(forget_unconfirmed_address, dispatch_uid="newsletter-forget-unconfirmed-address")
