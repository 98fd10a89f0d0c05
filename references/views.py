"""The public reference library and evidence table: lists, a page per reference, study and condition, downloads."""

import csv
from collections import Counter

from django.db.models import Count, Prefetch
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.generic import DetailView, ListView

from ldnsite.pagination import KeysFirstPaginator

from .charts import effect_chart
from .formats import FORMATS
from .forms import DOSE_BANDS, SORT_MENU, STUDY_SORTS, EvidenceFilterForm, LibraryFilterForm
from .models import Condition, Reference, Study, StudyReport
from .structured_data import citation_meta
from .templatetags.evidence import number


def filtered_library(query):
    """The library filtered by a query string: (form, references); no references if the filter is not valid."""
    form = LibraryFilterForm(query)
    references = Reference.objects.defer("search_vector")
    if not form.is_valid():
        return form, references.none()
    if kind := form.cleaned_data["kind"]:
        references = references.filter(kind=kind)
    if year := form.cleaned_data["year"]:
        references = references.filter(year=year)
    return form, references


def download(references, extension, name):
    """The references as a file to save, in the format for ``extension``, written as it is sent."""
    file_format = FORMATS[extension]
    response = StreamingHttpResponse(
        file_format.write(references), content_type=f"{file_format.content_type}; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{file_format.extension}")
    return response


def download_links(viewname, query="", **kwargs):
    """A link per export format, for the "Download" line under a list of references."""
    suffix = f"?{query}" if query else ""
    return [
        {"label": fmt.label, "url": reverse(viewname, kwargs={**kwargs, "extension": extension}) + suffix}
        for extension, fmt in FORMATS.items()
    ]


class ReferenceListView(ListView):
    """Every reference, newest first, filterable by kind and year."""

    template_name = "references/reference_list.html"
    context_object_name = "references"
    paginate_by = 25
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        # A hand-edited or stale link shows nothing, with a message, rather than a guess.
        self.form, references = filtered_library(self.request.GET)
        return references

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=self.form,
            kinds=Reference.Kind.choices,
            year_choices=[(year, year) for year in Reference.objects.years()],
            downloads=download_links("references:export", query.urlencode()),
            **kwargs,
        )


def library_download(request, extension):
    """The whole library, or what the filters select, as BibTeX, RIS or CSL-JSON."""
    form, references = filtered_library(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(render_to_string("400.html", request=request))
    name = "-".join(["ldn-references", *(str(value) for value in form.cleaned_data.values() if value)])
    return download(references.iterator(chunk_size=500), extension, name)


class ReferenceDetailView(DetailView):
    template_name = "references/reference_detail.html"
    context_object_name = "reference"
    slug_field = "key"
    slug_url_kwarg = "key"
    queryset = Reference.objects.all()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            citing_articles=self.object.articles.published().with_cards(),
            downloads=download_links("references:export_one", key=self.object.key),
            citation_meta=citation_meta(self.object),
            **kwargs,
        )


def reference_download(request, key, extension):
    reference = get_object_or_404(Reference, key=key)
    return download([reference], extension, reference.key)


class EvidenceTableView(ListView):
    """Every study as a row of figures, filtered and sorted by the query string, shareable as a link."""

    template_name = "references/study_list.html"
    context_object_name = "studies"
    paginate_by = 50

    def get_queryset(self):
        self.form = EvidenceFilterForm(self.request.GET)
        return self.form.studies()

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=self.form,
            dose_bands=[(slug, label) for slug, (label, _) in DOSE_BANDS.items()],
            sort_menu=_sort_menu(self.form.active_sort),
            year_choices=[(year, year) for year in Reference.objects.filter(study_reports__is_main=True).years()],
            sort_links=_sort_links(query, self.form.active_sort),
            csv_url=reverse("references:studies_csv") + (f"?{query.urlencode()}" if query else ""),
            **kwargs,
        )


def _sort_menu(active):
    """The "Sort by" choices, with the current order among them even when a heading chose it."""
    menu = list(SORT_MENU.items())
    if active not in SORT_MENU:
        key = active.lstrip("-")
        menu.append((active, f"{key.capitalize()}, {'high to low' if active.startswith('-') else 'low to high'}"))
    return menu


def _sort_links(query, active):
    """For each sortable column: the link that sorts by it (high to low first, then flips) and its aria-sort."""
    links = {}
    for key in STUDY_SORTS:
        ascending = key == "title"
        state = "ascending" if active == key else "descending" if active == f"-{key}" else "none"
        following = {"ascending": f"-{key}", "descending": key}.get(state, key if ascending else f"-{key}")
        sorted_query = query.copy()
        sorted_query["sort"] = following
        links[key] = {"url": f"?{sorted_query.urlencode()}", "state": state}
    return links


STUDY_CSV_COLUMNS = [
    "Study",
    "Address",
    "Year",
    "Conditions",
    "Design",
    "Blinding",
    "Participants",
    "Sex",
    "Dose (mg)",
    "Frequency",
    "Duration (weeks)",
    "Compared with",
    "Effect against comparator (%)",
    "P-value",
    "Grade",
]


class _Echo:
    def write(self, value):
        return value


def _csv_text(value):
    """A cell a spreadsheet shows as text: a leading =, +, - or @ would otherwise run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_rows(studies, request):
    yield STUDY_CSV_COLUMNS
    for study in studies:
        yield [
            _csv_text(study.title),
            request.build_absolute_uri(study.get_absolute_url()),
            study.year or "",
            _csv_text("; ".join(condition.name for condition in study.conditions.all())),
            study.get_design_display(),
            study.get_blinding_display(),
            study.participants or "",
            StudyReport.Sex(study.sex).label if study.sex else "",
            number(study.dose_mg),
            study.get_frequency_display() if study.frequency else "",
            number(study.duration_weeks),
            _csv_text(study.comparator),
            number(study.effect_pct),
            f"{'<' if study.p_relation == '<' else ''}{number(study.p_value)}" if study.p_value is not None else "",
            study.get_grade_display() if study.grade else "",
        ]


def studies_csv(request):
    """The evidence table as a spreadsheet: the same filters and order as the page, every row, not one page."""
    form = EvidenceFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(render_to_string("400.html", request=request))
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in _csv_rows(form.studies().iterator(chunk_size=500), request))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    name = "-".join(["ldn-studies", *(str(value).lstrip("-") for value in form.cleaned_data.values() if value)])
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
    return response


class StudyDetailView(DetailView):
    """One study: its design, the editors' grade, and every report of it with the figures each gives."""

    template_name = "references/study_detail.html"
    context_object_name = "study"

    def get_queryset(self):
        return Study.objects.with_figures().prefetch_related(
            "conditions", Prefetch("reports", queryset=StudyReport.objects.select_related("reference"))
        )

    def get_context_data(self, **kwargs):
        reports = list(self.object.reports.all())
        figures = {(r.participants, r.effect_pct, r.intervention_change_pct, r.comparator_change_pct) for r in reports}
        return super().get_context_data(
            reports=reports,
            reports_differ=len(reports) > 1 and len(figures) > 1,
            main_report=next((r for r in reports if r.is_main), None),
            citing_articles=Reference.objects.filter(study_reports__study=self.object)
            .citing_pieces()
            .published()
            .with_cards(),
            **kwargs,
        )


class ConditionListView(ListView):
    template_name = "references/condition_list.html"
    context_object_name = "conditions"

    def get_queryset(self):
        return Condition.objects.annotate(study_count=Count("studies"))


class ConditionDetailView(DetailView):
    """A condition: how much evidence there is, a chart of the reported effects, and the pieces about it."""

    template_name = "references/condition_detail.html"
    context_object_name = "condition"
    queryset = Condition.objects.all()
    related_articles = 10

    def get_context_data(self, **kwargs):
        studies = list(Study.objects.filter(conditions=self.object).with_figures().order_by("year", "title", "pk"))
        designs = Counter(study.get_design_display().lower() for study in studies)
        articles = Reference.objects.filter(study_reports__study__conditions=self.object).citing_pieces().published()
        return super().get_context_data(
            studies=studies,
            participants=sum(study.participants or 0 for study in studies),
            designs=[_counted(count, design) for design, count in designs.most_common()],
            chart=effect_chart(studies),
            articles=articles.with_cards()[: self.related_articles],
            table_url=reverse("references:studies") + f"?condition={self.object.slug}",
            **kwargs,
        )


def _counted(count, noun):
    """“1 pilot study”, “2 pilot studies”, “3 case series”, “2 meta-analyses”."""
    if count == 1 or noun.endswith("series"):
        return f"{count} {noun}"
    if noun.endswith("study"):
        return f"{count} {noun[:-1]}ies"
    if noun.endswith("analysis"):
        return f"{count} {noun[:-2]}es"
    return f"{count} {noun}s"
