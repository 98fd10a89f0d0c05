"""Where editors write evidence pieces and credit their authors; every door asks ``articles.workflow``."""

import copy

import reversion
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from reversion_compare.admin import CompareVersionAdmin
from reversion_compare.helpers import html_diff
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from ldnsite.admin_rules import RuleCheckedAdminMixin, SharedMaterialAdminMixin, titled
from ldnsite.editing import GuardedModelForm
from ldnsite.roles import is_editor
from references.widgets import NamedAutocompleteMixin

from . import workflow
from .models import Article, Author, Byline, ChangeNote, Citation, Series, TaggedArticle
from .review import flagged, new_evidence


class ArticleAdminForm(GuardedModelForm):
    """The piece's form; the change it makes is checked by articles.workflow against the piece as it
    stands (``before``), which on a restore is not the version being restored."""

    approve_review = forms.BooleanField(
        required=False,
        label="Approve this piece",
        help_text="As its medical reviewer: you are named as the reviewer, with today's date.",
    )
    user = None  # set by ArticleAdmin.get_form
    before = None  # the piece as it stands, None for a new (or recovered) one; set by ArticleAdmin.get_form

    class Meta:
        model = Article
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None and "status" in self.fields:
            # Offer only the statuses this user may choose; clean() refuses the others all the same.
            current = self.before.status if self.before else None
            allowed = workflow.statuses_for(self.user, current) | {current}
            self.fields["status"].choices = [(v, label) for v, label in self.fields["status"].choices if v in allowed]

    def clean(self):
        cleaned = super().clean()
        if not workflow.is_editor(self.user):
            # What only editors set keeps its value as the piece stands, whatever a restored version had.
            for name in workflow.EDITOR_FIELDS:
                field = Article._meta.get_field(name)
                if name not in self.fields:
                    kept = getattr(self.before, field.attname) if self.before else field.get_default()
                    setattr(self.instance, field.attname, kept)
        after = copy.copy(self.instance)
        for name in ("status", "published_at", "review_note"):
            if name in self.fields:
                standing = getattr(self.before, name) if self.before else Article._meta.get_field(name).get_default()
                setattr(after, name, cleaned.get(name, standing))
        problems = workflow.check_change(self.user, self.before, after, cleaned.get("approve_review"))
        for field, message in problems.items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


class AuthorAdminForm(GuardedModelForm):
    class Meta:
        model = Author
        fields = "__all__"


class BylineInline(NamedAutocompleteMixin, admin.TabularInline):
    model = Byline
    autocomplete_fields = ["author"]
    autocomplete_placeholders = {"author": "Find an author by name"}
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    verbose_name = "author"
    verbose_name_plural = "authors (in byline order)"


class ChangeNoteInline(admin.TabularInline):
    """The public change log: one line per change readers should know of, in the editors' words."""

    model = ChangeNote
    fields = ["date", "note"]
    extra = 0


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
        return [
            ("overdue", "Review due (none yet, or its date has come)"),
            ("current", "Reviewed, next review not yet due"),
        ]

    def queryset(self, request, queryset):
        overdue = Article.objects.review_overdue()
        if self.value() == "overdue":
            return queryset.filter(pk__in=overdue.values("pk"))
        if self.value() == "current":
            return queryset.exclude(pk__in=overdue.values("pk"))
        return queryset


class NewEvidenceFilter(admin.SimpleListFilter):
    title = "new evidence"
    parameter_name = "new_evidence"

    def lookups(self, request, model_admin):
        return [("yes", "New evidence since the last review")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=flagged(Article.objects.all()).filter(new_evidence=True).values("pk"))
        return queryset


# Why a fieldset is read-only for authors and reviewers, shown above it.
READ_ONLY_BECAUSE = {
    "Publication": "Only editors publish, schedule or archive a piece. When it is ready, set its status to "
    "“In review”: a medical reviewer checks it, then an editor publishes it.",
    "Medical review": "The reviewer and the review date are recorded when a medical reviewer approves the piece.",
}


def kept_tag_names(version):
    """The tags a kept version of a piece had, by name: its revision keeps the piece's tag links."""
    links = version.revision.version_set.get_for_model(TaggedArticle)
    ids = [
        link.field_dict["tag_id"] for link in links if str(link.field_dict["content_object_id"]) == version.object_id
    ]
    names = dict(Tag.objects.filter(pk__in=ids).values_list("pk", "name"))
    return sorted(names.get(tag_id, "(a tag since deleted)") for tag_id in ids)


@admin.register(Article)
class ArticleAdmin(RuleCheckedAdminMixin, NamedAutocompleteMixin, CompareVersionAdmin):
    """Pieces, with every saved version kept (History: compare, restore; Recover deleted articles)."""

    form = ArticleAdminForm
    list_display = ["title", "status", "published_at", "author_names", "tag_names", "updated_at"]
    list_filter = ["status", ReviewOverdueFilter, NewEvidenceFilter, "tags", "authors"]
    autocomplete_fields = ["medical_reviewer"]
    autocomplete_placeholders = {"medical_reviewer": "Find the reviewer among the authors"}
    search_fields = ["title", "summary", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [BylineInline, CitationInline, ChangeNoteInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "tags", "opened_revision"]}),
        ("Lead image", {"fields": ["lead_image", "lead_image_alt"]}),
        ("Publication", {"fields": ["status", "published_at", "created_at", "updated_at"]}),
        (
            "Medical review",
            {
                "fields": [
                    "approve_review",
                    "review_note",
                    "medical_reviewer",
                    "last_reviewed",
                    "next_review_due",
                    "new_evidence_since_review",
                ]
            },
        ),
    ]
    save_on_top = True
    actions = ["publish_selected", "unpublish_selected"]
    # Shown as the tag list (compare); the rest is derived from what is shown, or changes on every save.
    compare_exclude = [
        "tags",
        "tagged_items",
        "body_html",
        "sections",
        "search_text",
        "search_vector",
        "revision",
        "updated_at",
    ]

    # The roles (articles.workflow), asked at every door (ldnsite.admin_rules), not only by hiding buttons.

    def view_refusal(self, request, obj):
        return super().view_refusal(request, obj) or workflow.view_refusal(request.user, obj)

    def change_refusal(self, request, obj):
        return super().change_refusal(request, obj) or workflow.change_refusal(request.user, obj)

    def recover_refusal(self, request, restored):
        return super().recover_refusal(request, restored) or workflow.recover_refusal(request.user, restored)

    def get_queryset(self, request):
        rule = workflow.visible_to(request.user)
        if standing := self.object_as_it_stands(request):
            # Checked at the door: a restore works on that piece, whatever the restored version's status.
            rule |= Q(pk=standing.pk)
        return super().get_queryset(request).with_credits().filter(rule)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and workflow.is_editor(request.user)

    def has_publish_permission(self, request):
        return workflow.is_editor(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["created_at", "updated_at", "new_evidence_since_review"]
        if not workflow.is_editor(request.user):
            readonly += workflow.EDITOR_FIELDS
        return readonly

    @admin.display(description="new evidence since review")
    def new_evidence_since_review(self, article):
        """What has reached the piece's subject since its last review (articles.review), for the reviewer."""
        if article.pk is None or article.last_reviewed is None:
            return "—"
        items = new_evidence(article)
        if not items:
            return "None"
        return format_html_join(
            mark_safe("<br>"),
            "{}{}",
            ((item.text, f" ({item.date:%-d %b %Y})" if item.date else "") for item in items),
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        standing = self.as_it_stands(request, obj) if obj is not None else None
        reviewing = workflow.is_reviewer(request.user) and standing and standing.status == Article.Status.IN_REVIEW
        if not workflow.is_editor(request.user):
            # Say why these fields are read-only.
            fieldsets = [
                (name, {**options, "description": READ_ONLY_BECAUSE[name]} if name in READ_ONLY_BECAUSE else options)
                for name, options in fieldsets
            ]
        if reviewing:
            return fieldsets
        # Only a reviewer looking at a piece in review sees the approval box.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "approve_review"]})
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        form.before = self.object_as_it_stands(request)
        return form

    def compare(self, obj, version1, version2):
        """The versions' differences, with the tags as a list of names (taggit's field is not one
        django-reversion-compare can read)."""
        diff, has_unfollowed_fields = super().compare(obj, version1, version2)
        before, after = kept_tag_names(version1), kept_tag_names(version2)
        if before != after:
            field = Article._meta.get_field("tags")
            diff.append(
                {
                    "field": field,
                    "is_related": True,
                    "follow": True,
                    "diff": html_diff(", ".join(before), ", ".join(after)),
                }
            )
        return diff, has_unfollowed_fields

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
class AuthorAdmin(SharedMaterialAdminMixin, CompareVersionAdmin):
    """The people pieces credit; once a published piece credits one, only editors change their profile."""

    form = AuthorAdminForm
    list_display = ["name", "credentials", "affiliation", "article_count"]
    search_fields = ["name", "affiliation", "bio"]
    # Explicit, because the count below groups the rows and so drops the model's own order
    # (the reviewer autocomplete pages through this list).
    ordering = ["name", "pk"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles", distinct=True))

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count

    def public_use(self, author):
        credited = Article.objects.published_or_scheduled().filter(
            Q(bylines__author=author) | Q(medical_reviewer=author)
        )
        pieces = titled(credited.distinct())
        return f"credited on {pieces}" if pieces else ""


# The admin's front page is the editors' desk (articles.desk): what needs someone now, above the app list.
admin.site.index_template = "admin/desk.html"

admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(SharedMaterialAdminMixin, TaggitTagAdmin):
    """Tags, as taggit keeps them; a tag a published piece carries is renamed or merged by editors only."""

    def public_use(self, tag):
        pieces = titled(Article.objects.published_or_scheduled().filter(tagged_items__tag=tag))
        return f"on {pieces}" if pieces else ""

    def merge_tags_view(self, request):
        # taggit's merge view asks no permission of its own: merging changes every piece the tags are on.
        if not is_editor(request.user):
            raise PermissionDenied("Only editors merge tags: a merge changes every piece that carries them.")
        return super().merge_tags_view(request)


@admin.register(Series)
class SeriesAdmin(SharedMaterialAdminMixin, admin.ModelAdmin):
    """Runs of pieces read in order; once a published piece belongs to one, only editors change it."""

    list_display = ["title", "part_count"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(part_count=Count("pieces"))

    @admin.display(description="parts", ordering="part_count")
    def part_count(self, obj):
        return obj.part_count

    def public_use(self, series):
        pieces = titled(Article.objects.published_or_scheduled().filter(series=series))
        return f"the series of {pieces}" if pieces else ""
