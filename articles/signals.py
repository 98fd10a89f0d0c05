"""Keep the search index in step with what editors change (the one cross-cutting side effect kept in signals).

A piece's vector covers its tags and its authors' names, which are saved after
the piece itself (inline rows, ``tags.set``), so those changes re-index too.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from references.models import Reference

from .models import Article, Author, Byline
from .search import index_articles, index_references


@receiver(post_save, sender=Article)
def index_saved_article(sender, instance, raw=False, **kwargs):
    if not raw:
        index_articles(Article.objects.filter(pk=instance.pk))


@receiver(m2m_changed, sender=Article.tags.through)
def index_retagged_article(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        # From the tag's side (reverse), the articles are the pk_set.
        articles = Article.objects.filter(pk__in=pk_set or []) if reverse else Article.objects.filter(pk=instance.pk)
        index_articles(articles)


@receiver([post_save, post_delete], sender=Byline)
def index_credited_article(sender, instance, raw=False, **kwargs):
    if not raw:
        index_articles(Article.objects.filter(pk=instance.article_id))


@receiver(post_save, sender=Author)
def index_renamed_authors_articles(sender, instance, raw=False, created=False, **kwargs):
    if not raw and not created:
        index_articles(Article.objects.filter(bylines__author=instance))


@receiver(post_save, sender=Reference)
def index_saved_reference(sender, instance, raw=False, **kwargs):
    if not raw:
        index_references(Reference.objects.filter(pk=instance.pk))
