"""Living evidence: the site watches the literature, the trial registries and the retraction notices,
and puts what it finds in front of an editor.

``models``: SavedSearch (a PubMed search run on a schedule), Finding (one thing found, in the editors'
triage queue until accepted or dismissed) and TrialRecord (what ClinicalTrials.gov last said of a study).
A reference's retractions and corrections are on the reference itself (``Reference.updates``).
``registries``: the three outside services (NCBI E-utilities, ClinicalTrials.gov API v2, Crossref),
each call with a timeout and a message an editor can read when it fails.
``checks``: what each scheduled job does with their answers; running one twice changes nothing more.
``tasks``: the jobs as background tasks, scheduled by ``ldnsite.background.schedule``.
``triage``: accepting or dismissing a finding; ``admin``: the queue's doors and the searches' page.
When each piece is due for review, and what new evidence touches it, is ``articles.review`` (it reads
pieces, which this package does not know).
"""
