"""Where editors write evidence pieces and credit their authors."""

import reversion
from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from reversion_compare.admin import CompareVersionAdmin

from references.widgets import NamedAutocompleteMixin

from . import workflow
from .editing import GuardedModelForm, links_default_to_https
from .models import Article, Author, Byline, Citation


class ArticleAdminForm(GuardedModelForm):
    """The piece's form; what the signed-in user may change is checked by articles.workflow."""

    approve_review = forms.BooleanField(
        required=False,
        label="Approve this piece",
        help_text="As its medical reviewer: you are named as the reviewer, with today's date.",
    )
    user = None  # set by ArticleAdmin.get_form

    class Meta:
        model = Article
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None and "status" in self.fields:
            # Offer only the statuses this user may choose; clean() refuses the others all the same.
            current = self.instance.status if self.instance.pk else None
            allowed = workflow.statuses_for(self.user, current) | {current}
            self.fields["status"].choices = [(v, label) for v, label in self.fields["status"].choices if v in allowed]

    def clean(self):
        cleaned = super().clean()
        before = Article.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        after = Article(
            status=cleaned.get("status", before.status if before else Article.Status.DRAFT),
            published_at=cleaned.get("published_at", before.published_at if before else None),
            review_note=cleaned.get("review_note", before.review_note if before else ""),
        )
        for field, message in workflow.check_change(self.user, before, after, cleaned.get("approve_review")).items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


class AuthorAdminForm(GuardedModelForm):
    class Meta:
        model = Author
        fields = "__all__"
        formfield_callback = links_default_to_https


class BylineInline(NamedAutocompleteMixin, admin.TabularInline):
    model = Byline
    autocomplete_fields = ["author"]
    autocomplete_placeholders = {"author": "Find an author by name"}
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    verbose_name = "author"
    verbose_name_plural = "authors (in byline order)"


class CitationInline(NamedAutocompleteMixin, admin.TabularInline):
    model = Citation
    autocomplete_fields = ["reference"]
    autocomplete_placeholders = {"reference": "Find a reference by key, title, author or DOI"}
    fields = ["reference", "position", "times_cited"]
    readonly_fields = ["times_cited"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reference")

    verbose_name = "reference"
    verbose_name_plural = "references (cited ones are numbered by the text; add others here)"


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = "medical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Review overdue (none, or over a year ago)"), ("current", "Reviewed within a year")]

    def queryset(self, request, queryset):
        overdue = Article.objects.review_overdue()
        if self.value() == "overdue":
            return queryset.filter(pk__in=overdue.values("pk"))
        if self.value() == "current":
            return queryset.exclude(pk__in=overdue.values("pk"))
        return queryset


@admin.register(Article)
class ArticleAdmin(NamedAutocompleteMixin, CompareVersionAdmin):
    """Pieces, with every saved version kept (History: compare, restore; Recover deleted articles)."""

    form = ArticleAdminForm
    list_display = ["title", "status", "published_at", "author_names", "tag_names", "updated_at"]
    list_filter = ["status", ReviewOverdueFilter, "tags", "authors"]
    autocomplete_fields = ["medical_reviewer"]
    autocomplete_placeholders = {"medical_reviewer": "Find the reviewer among the authors"}
    search_fields = ["title", "dek", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [BylineInline, CitationInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "dek", "body", "tags", "opened_revision"]}),
        ("Lead image", {"fields": ["lead_image", "lead_image_alt"]}),
        ("Publication", {"fields": ["status", "published_at", "created_at", "updated_at"]}),
        ("Medical review", {"fields": ["approve_review", "review_note", "medical_reviewer", "last_reviewed"]}),
    ]
    save_on_top = True
    actions = ["publish_selected", "unpublish_selected"]

    # The roles (articles.workflow), enforced here on the server, not only by hiding buttons.

    def get_queryset(self, request):
        articles = super().get_queryset(request).with_credits()
        if workflow.is_editor(request.user) or workflow.is_reviewer(request.user):
            return articles
        return articles.filter(created_by=request.user)  # authors see their own pieces

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or workflow.can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and workflow.is_editor(request.user)

    def has_publish_permission(self, request):
        return workflow.is_editor(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["created_at", "updated_at"]
        if not workflow.is_editor(request.user):
            readonly += ["published_at", "medical_reviewer", "last_reviewed"]
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if workflow.is_reviewer(request.user) and obj is not None and obj.status == Article.Status.IN_REVIEW:
            return fieldsets
        # Only a reviewer looking at a piece in review sees the approval box.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "approve_review"]})
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    @admin.action(description="Publish the selected pieces now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._set_status(request, queryset.exclude(status=Article.Status.PUBLISHED), Article.Status.PUBLISHED)

    @admin.action(description="Unpublish the selected pieces (back to draft)", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._set_status(request, queryset.filter(status=Article.Status.PUBLISHED), Article.Status.DRAFT)

    def _set_status(self, request, articles, status):
        """Save each piece with its new status (versioned, re-indexed, logged), then say how many."""
        count = 0
        for article in articles:
            with reversion.create_revision():  # a version per piece, as a form save keeps
                reversion.set_user(request.user)
                article.status = status
                article.save()
                self.log_change(request, article, f"Status set to {article.get_status_display()} (bulk action)")
                reversion.set_comment(f"Status set to {article.get_status_display()} (bulk action)")
            count += 1
        verb = "Published" if status == Article.Status.PUBLISHED else "Unpublished"
        self.message_user(request, f"{verb} {count} piece{'s' if count != 1 else ''}.", messages.SUCCESS)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "published_at" and field is not None:
            # The admin prints "Date:" and "Time:" as bare text before the two boxes, which
            # leaves them unnamed for screen readers; name each one.
            day, time = field.widget.widgets
            day.attrs["aria-label"] = "Publication date (day)"
            time.attrs["aria-label"] = "Publication time"
        return field

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if form.cleaned_data.get("approve_review"):
            workflow.approve(request.user, obj)
        # The reference list is synced in save_related, after the inline rows are saved.
        obj.save(sync_citations=False)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if added := form.instance.sync_citations():
            self.message_user(
                request,
                "Added to the reference list because the text cites them: " + ", ".join(added) + ".",
                messages.INFO,
            )

    @admin.display(description="authors")
    def author_names(self, obj):
        return ", ".join(author.name for author in obj.credited_authors) or "–"

    @admin.display(description="tags")
    def tag_names(self, obj):
        return ", ".join(sorted(tag.name for tag in obj.tags.all())) or "–"


@admin.register(Author)
class AuthorAdmin(CompareVersionAdmin):
    form = AuthorAdminForm
    list_display = ["name", "credentials", "affiliation", "article_count"]
    search_fields = ["name", "affiliation", "bio"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles", distinct=True))

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count
