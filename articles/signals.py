"""The one place the site's receivers are connected: each change to what readers see goes through
``articles.dependencies`` to the search index, in the same transaction, and to the page cache (and
any front cache), once the transaction commits.

Raw saves are changes too: django-reversion restores a version by saving the rows it kept raw.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from ldnsite import page_cache
from references.models import Reference, Study

from .dependencies import CHANGES, study_conditions_changed
from .search import index


def _reindex(depends, row):
    if pieces := depends.pieces_indexed(row):
        index.index_articles(pieces)
    if references := depends.references_indexed(row):
        index.refresh_vectors(Reference.objects.filter(pk__in=references))


def _before_save(sender, instance, **kwargs):
    """Read where a row that can move was linked before this save (a byline's author, say)."""
    moves = CHANGES[sender].moves
    if instance.pk is not None:
        instance.values_before_save = sender.objects.filter(pk=instance.pk).values(*moves).first() or {}


def _saved(sender, instance, **kwargs):
    depends = CHANGES[sender]
    _reindex(depends, instance)
    # Worked out once committed, from the rows as committed: a piece's reference list is rewritten
    # after the piece is saved, in the same transaction.
    transaction.on_commit(lambda: page_cache.purge(depends.pages(instance)))


def _deleting(sender, instance, **kwargs):
    # Worked out now, while the row's links still exist; dropped once the delete commits.
    page_cache.purge_after_commit(CHANGES[sender].pages(instance))


def _deleted(sender, instance, **kwargs):
    _reindex(CHANGES[sender], instance)


def _conditions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Study.conditions (its own table, changed in bulk, without row signals)."""
    if action == "pre_clear":
        linked = instance.studies if reverse else instance.conditions
        pk_set = set(linked.values_list("pk", flat=True))
    elif action not in ("post_add", "post_remove"):
        return
    studies, conditions = (pk_set, {instance.pk}) if reverse else ({instance.pk}, pk_set)
    page_cache.purge_after_commit(study_conditions_changed(studies, conditions))


def connect():
    for model, depends in CHANGES.items():
        label = model._meta.label
        if depends.moves:
            pre_save.connect(_before_save, sender=model, weak=False, dispatch_uid=f"changes-{label}-before-save")
        post_save.connect(_saved, sender=model, weak=False, dispatch_uid=f"changes-{label}-saved")
        pre_delete.connect(_deleting, sender=model, weak=False, dispatch_uid=f"changes-{label}-deleting")
        post_delete.connect(_deleted, sender=model, weak=False, dispatch_uid=f"changes-{label}-deleted")
    m2m_changed.connect(
        _conditions_changed, sender=Study.conditions.through, weak=False, dispatch_uid="changes-study-conditions"
    )
