"""The list every reader can join, and the Editors' rights over the newsletter and background tasks."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here, as the migration ran.
EDITORS = [
    "newsletter.add_mailinglist", "newsletter.change_mailinglist", "newsletter.view_mailinglist",
    "newsletter.view_subscriber", "newsletter.delete_subscriber",
    "newsletter.add_issue", "newsletter.change_issue", "newsletter.delete_issue", "newsletter.view_issue",
    "newsletter.add_issuepiece", "newsletter.change_issuepiece", "newsletter.delete_issuepiece",
    "newsletter.view_issuepiece", "newsletter.send_issue",
    "django_tasks_database.view_dbtaskresult", "background.view_worker",
]


def forward(apps, schema_editor):
    apps.get_model("newsletter", "MailingList").objects.get_or_create(
        slug="newsletter",
        defaults={"name": "The LDN Evidence newsletter", "description": "every new evidence piece, whole, with its references"},
    )
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    for code in EDITORS:
        app_label, codename = code.split(".")
        editors.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def backward(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    editors = apps.get_model("auth", "Group").objects.filter(name="Editors").first()
    if editors:
        for code in EDITORS:
            app_label, codename = code.split(".")
            editors.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_initial"),
        ("articles", "0008_editorial_groups"),
        ("background", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forward, backward)]
