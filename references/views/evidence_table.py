"""The evidence table: every study as a row of figures, filtered and sorted by the query string, and its CSV."""

import csv

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.generic import ListView

from ..forms import DOSE_BANDS, SORT_MENU, STUDY_SORTS, EvidenceFilterForm
from ..models import Reference, StudyReport
from ..templatetags.evidence import effect, number, risk_label


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
    "Effect against comparator",
    "Effect in",
    "P-value",
    "Risk of bias (main report)",
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
            ("percentage points" if effect(study).endswith("percentage points") else "%")
            if study.effect_pct is not None
            else "",
            f"{'<' if study.p_relation == '<' else ''}{number(study.p_value)}" if study.p_value is not None else "",
            risk_label(study.risk_of_bias) if study.risk_of_bias else "",
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
