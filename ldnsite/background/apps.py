from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    name = "ldnsite.background"
    label = "background"
    verbose_name = "Background work"
