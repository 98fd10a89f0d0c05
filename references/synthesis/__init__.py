"""What the evidence says per outcome: the outcome data editors enter, the effect each study shows,
the pooled estimate across studies, the forest plot that draws them, and how sure we are.

``models``: Outcome (the list editors keep), OutcomeResult (one report's data on one outcome),
RiskOfBias (a report's RoB 2 or ROBINS-I judgement) and Certainty (GRADE, per condition and outcome).
``stats``: effect sizes (statsmodels) and pooling (PyMARE), with the reasons a set is not pooled.
``forest``: the forest plot, laid out in Python and drawn as SVG by a template.
``grading``: what the data suggest about an outcome's certainty, for the editor to confirm.
``importing`` and ``forms``: outcome data from CSV (the admin's import and ``import_outcomes``).
``export``: a condition's figures as the API answers them, and as JSON and CSV downloads.
"""
