"""The reference library as editors manage it."""

from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from .identifiers import normalise_doi, normalise_pmid
from .models import Reference


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ["key", "short_title", "kind", "year", "container", "doi_link", "pmid_link"]
    list_display_links = ["key", "short_title"]
    list_filter = ["kind", "year"]
    search_fields = ["key", "title", "authors", "container", "doi", "pmid"]
    readonly_fields = ["created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["key", "kind", "title", "authors"]}),
        ("Where it appeared", {"fields": ["container", "year", "date", "volume", "issue", "pages"]}),
        ("Identifiers and links", {"fields": ["doi", "pmid", "url"]}),
        (None, {"fields": ["note", "created_at", "updated_at"]}),
    ]

    @admin.display(description="title", ordering="title")
    def short_title(self, obj):
        return obj.title if len(obj.title) <= 70 else obj.title[:69] + "…"

    @admin.display(description="DOI", ordering="doi")
    def doi_link(self, obj):
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', obj.doi_url, obj.doi) if obj.doi else "–"

    @admin.display(description="PMID", ordering="pmid")
    def pmid_link(self, obj):
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', obj.pmid_url, obj.pmid) if obj.pmid else "–"

    def get_search_results(self, request, queryset, search_term):
        """Also find a reference by a pasted doi.org or PubMed link, as the fields store them bare."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            doi, pmid = normalise_doi(term), normalise_pmid(term)
            if doi != term.lower() or pmid != term:
                results |= queryset.filter(doi=doi) | queryset.filter(pmid=pmid)
        return results, may_have_duplicates
