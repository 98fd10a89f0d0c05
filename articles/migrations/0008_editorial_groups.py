"""The editorial roles as groups: Authors, Medical reviewers, Editors (see articles/workflow.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here, as the migration ran; articles/workflow.py keeps the current list.
GROUPS = {
    "Authors": [
        "articles.add_article", "articles.change_article", "articles.view_article",
        "articles.view_author", "articles.add_byline", "articles.change_byline", "articles.delete_byline",
        "articles.add_citation", "articles.change_citation", "articles.delete_citation",
        "references.view_reference", "references.add_reference", "references.change_reference",
        "taggit.view_tag", "articles.view_taggedarticle", "articles.add_taggedarticle",
    ],
    "Medical reviewers": [
        "articles.change_article", "articles.view_article", "articles.review_article", "articles.view_author",
        "articles.change_byline", "articles.add_citation", "articles.change_citation", "articles.delete_citation",
        "references.view_reference", "references.view_study", "taggit.view_tag",
    ],
    "Editors": [
        "articles.add_article", "articles.change_article", "articles.delete_article", "articles.view_article",
        "articles.publish_article", "articles.review_article",
        "articles.add_author", "articles.change_author", "articles.delete_author", "articles.view_author",
        "articles.add_byline", "articles.change_byline", "articles.delete_byline",
        "articles.add_citation", "articles.change_citation", "articles.delete_citation",
        "references.add_reference", "references.change_reference", "references.delete_reference",
        "references.view_reference", "references.add_study", "references.change_study", "references.delete_study",
        "references.view_study", "references.add_studyreport", "references.change_studyreport",
        "references.delete_studyreport", "references.add_condition", "references.change_condition",
        "references.view_condition", "taggit.add_tag", "taggit.change_tag", "taggit.view_tag",
        "articles.add_taggedarticle", "articles.view_taggedarticle",
    ],
}


def make_groups(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_roles"),
        ("references", "0005_revision"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(make_groups, remove_groups)]
