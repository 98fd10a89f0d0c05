"""Public pages for evidence pieces, tags and authors.

Each view picks a queryset and a template; what is public is decided by
``Article.objects.published()``.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView, TemplateView
from taggit.models import Tag

from ldnsite.pagination import CappedCountPaginator, KeysFirstPaginator
from references.downloads import download, download_links
from references.models import Condition, Reference, Study

from . import workflow
from .forms import ArticleFilterForm, SearchForm
from .models import Article, Author, Series, published_tags
from .review import flagged
from .search.query import MAX_QUERY_LENGTH, ranked
from .search.results import hits
from .structured_data import article_ld

HOME_ARTICLES = 6
HOME_TAGS = 12


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        conditions = list(
            Condition.objects.with_study_counts().filter(study_count__gt=0).order_by("-study_count", "name")
        )
        return super().get_context_data(
            latest_articles=Article.objects.published().with_cards()[:HOME_ARTICLES],
            main_tags=published_tags()[:HOME_TAGS],
            conditions=conditions,
            # "What we know": each condition's first key message, alphabetically.
            known=sorted((c for c in conditions if c.key_message_list), key=lambda c: c.name),
            **kwargs,
        )


class ArticleListView(ListView):
    """All published pieces, newest first; ``?tag=slug`` narrows them to one tag."""

    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = 20
    paginator_class = KeysFirstPaginator
    tag = None
    unknown_tag = ""

    def get_queryset(self):
        articles = Article.objects.published().with_cards()
        form = ArticleFilterForm(self.request.GET)
        requested = self.request.GET.get("tag", "")
        if requested:
            self.tag = Tag.objects.filter(slug=form.cleaned_data["tag"]).first() if form.is_valid() else None
            if self.tag is None:
                self.unknown_tag = requested
                return articles.none()
            articles = articles.tagged(self.tag)
        return articles

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, unknown_tag=self.unknown_tag, **kwargs)


class TagView(ArticleListView):
    """One tag's page: the published pieces carrying it; a topic with none has no page."""

    template_name = "articles/tag_detail.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return Article.objects.published().tagged(self.tag).with_cards()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not context["paginator"].count:
            raise Http404("No published piece carries this tag.")
        return context


class TagListView(ListView):
    template_name = "articles/tag_list.html"
    context_object_name = "tags"

    def get_queryset(self):
        return published_tags()


class ArticleDetailView(DetailView):
    """A published piece; staff may also preview the unpublished pieces the editorial rule lets them see
    (``workflow.visible_to``), and get the public answer for the rest."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        if self.request.user.is_staff:
            # Drafts, pieces in review and scheduled ones too, for those who may see them.
            visible = Article.objects.filter(workflow.visible_to(self.request.user))
            return flagged((visible | Article.objects.published()).with_page())
        # With whether new evidence has reached its subject since its review, in the same query.
        return flagged(Article.objects.published().with_page())

    def get_context_data(self, **kwargs):
        article = self.object
        return super().get_context_data(
            studies=Study.objects.at_a_glance(article),
            downloads=download_links("articles:references", slug=article.slug),
            structured_data=article_ld(article, self.request.build_absolute_uri),
            # Ask the one public rule whether this is a piece readers cannot see yet.
            preview=self.request.user.is_staff and not Article.objects.published().filter(pk=article.pk).exists(),
            series=article.series_neighbours(),
            **kwargs,
        )


class SeriesView(DetailView):
    """A series: its public parts in reading order, and the next scheduled one by title and date."""

    model = Series
    template_name = "articles/series_detail.html"
    context_object_name = "series"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            parts=self.object.parts().with_cards(), coming=self.object.coming_next(), **kwargs
        )


def references_download(request, slug, extension):
    """A published piece's reference list, in its numbered order, as BibTeX, RIS or CSL-JSON."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    references = Reference.objects.filter(citations__article=article).order_by("citations__position")
    return download(references, extension, f"{article.slug}-references")


class AuthorListView(ListView):
    template_name = "articles/author_list.html"
    context_object_name = "authors"
    paginate_by = 50

    def get_queryset(self):
        return Author.objects.with_published_articles().order_by("name")


class AuthorView(ListView):
    """An author's page: who they are, then their published pieces."""

    template_name = "articles/author_detail.html"
    context_object_name = "articles"
    paginate_by = 20
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        self.author = get_object_or_404(Author.objects.with_published_articles(), slug=self.kwargs["slug"])
        return self.author.articles.published().with_cards()

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class SearchView(ListView):
    """Search across the published pieces and the reference library, best match first."""

    template_name = "articles/search.html"
    context_object_name = "rows"
    paginate_by = 20
    paginator_class = CappedCountPaginator
    tag = None

    def get_queryset(self):
        self.form = SearchForm(self.request.GET)
        self.problem = ""
        if not self.form.is_valid():
            self.problem = "That filter is not one we know."
            return Article.objects.none()
        query, kind, tag_slug = (self.form.cleaned_data[name] for name in ("q", "kind", "tag"))
        if tag_slug:
            self.tag = Tag.objects.filter(slug=tag_slug).first()
            if self.tag is None:
                self.problem = "No topic has that name."
                return Article.objects.none()
        if not query.strip():
            return Article.objects.none()
        return ranked(query, kind=kind, tag=self.tag)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.form.cleaned_data.get("q", "") if self.form.is_valid() else self.request.GET.get("q", "")
        context.update(
            form=self.form,
            query=query,
            tag=self.tag,
            problem=self.problem,
            hits=hits(context["rows"], query) if context["rows"] else [],
            kinds=self.form.fields["kind"].choices,
            truncated=len(self.request.GET.get("q", "")) > MAX_QUERY_LENGTH,
        )
        return context
