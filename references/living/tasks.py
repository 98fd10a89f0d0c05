"""The living-evidence jobs as background tasks (``ldnsite.background``), run on the schedule of
``settings.TASK_SCHEDULE`` and by the admin's "Run now". Each may run more than once: see ``checks``."""

from ldnsite.background import retried

from . import checks
from .models import SavedSearch


@retried(attempts=4)
def run_saved_searches(search_ids=None):
    searches = (
        SavedSearch.objects.filter(active=True) if search_ids is None else SavedSearch.objects.filter(pk__in=search_ids)
    )
    return f"{checks.run_searches(searches)} new records"


@retried(attempts=4)
def check_trial_registries():
    return f"{checks.check_trials()} registry changes"


@retried(attempts=4)
def check_retractions():
    return f"{checks.check_updates()} new notices"
