"""A study's page, and the conditions: their list and a page each saying what the studies of it show."""

from collections import Counter

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.generic import DetailView, ListView

from ..charts import effect_chart
from ..models import Condition, OutcomeResult, Reference, Study, StudyReport
from ..synthesis.export import condition_outcomes, csv_text
from ..synthesis.forest import forest_plot
from ..synthesis.stats import for_condition


class StudyDetailView(DetailView):
    """One study: its design, and every report of it with the figures, outcome data and risk of bias each gives."""

    template_name = "references/study_detail.html"
    context_object_name = "study"

    def get_queryset(self):
        results = OutcomeResult.objects.select_related("outcome").order_by("outcome__position", "outcome__name")
        reports = StudyReport.objects.select_related("reference", "risk_of_bias").prefetch_related(
            Prefetch("outcome_results", queryset=results)
        )
        return (
            Study.objects.with_figures()
            .select_related("trial_record")
            .prefetch_related("conditions", Prefetch("reports", queryset=reports))
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
        return Condition.objects.with_study_counts()


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
            # Registered, with no report of results on record: unpublished trials are part of the evidence.
            unpublished=Study.objects.filter(conditions=self.object, reports__isnull=True)
            .exclude(registry_id=None)
            .select_related("trial_record")
            .order_by("title"),
            participants=sum(study.participants or 0 for study in studies),
            designs=[_counted(count, design) for design, count in designs.most_common()],
            chart=effect_chart(studies),
            outcomes=_with_plots(for_condition(self.object), self.object),
            articles=articles.with_cards()[: self.related_articles],
            table_url=reverse("references:studies") + f"?condition={self.object.slug}",
            **kwargs,
        )


def condition_outcomes_download(request, slug, extension):
    """A condition's outcome data and pooled results, as CSV or JSON (the API's answer, as a file)."""
    condition = get_object_or_404(Condition, slug=slug)
    data = condition_outcomes(request, condition)
    if extension == "json":
        response = HttpResponse(data.model_dump_json(indent=2), content_type="application/json")
    else:
        response = HttpResponse(csv_text(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{slug}-outcomes.{extension}")
    return response


def _with_plots(summaries, condition):
    """Each synthesis of each outcome gets ``plot``, its forest plot (or None)."""
    for summary in summaries:
        for synthesis in summary.syntheses:
            slug = f"{summary.outcome.slug}-{synthesis.measure.lower()}"
            synthesis.plot = forest_plot(synthesis, condition.name, slug=slug)
    return summaries


def _counted(count, noun):
    """“1 pilot study”, “2 pilot studies”, “3 case series”, “2 meta-analyses”."""
    if count == 1 or noun.endswith("series"):
        return f"{count} {noun}"
    if noun.endswith("study"):
        return f"{count} {noun[:-1]}ies"
    if noun.endswith("analysis"):
        return f"{count} {noun[:-2]}es"
    return f"{count} {noun}s"
