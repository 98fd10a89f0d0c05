"""Editors keep the series; Authors and Medical reviewers see them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here, as the migration ran.
GRANTS = {
    "Editors": ["add_series", "change_series", "delete_series", "view_series"],
    "Authors": ["view_series"],
    "Medical reviewers": ["view_series"],
}


def forward(apps, schema_editor):
    app_config = apps.get_app_config("articles")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.add(*Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("articles", "0016_series")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
