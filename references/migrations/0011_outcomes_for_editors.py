"""Editors keep the outcomes and the outcome data; everyone on the editorial side may read them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here, as the migration ran.
GRANTS = {
    "Editors": [
        "add_outcome", "change_outcome", "delete_outcome", "view_outcome",
        "add_outcomeresult", "change_outcomeresult", "delete_outcomeresult", "view_outcomeresult",
        "view_studyreport",
    ],
    "Authors": ["view_outcome"],
    "Medical reviewers": ["view_outcome", "view_outcomeresult", "view_studyreport"],
}


def forward(apps, schema_editor):
    app_config = apps.get_app_config("references")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label="references", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("references", "0010_outcomes"), ("articles", "0008_editorial_groups")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
