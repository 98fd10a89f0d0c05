"""What the evidence says per outcome: the outcome data editors enter, the effect each study shows,
the pooled estimate across studies, and the forest plot that draws them.

``models``: Outcome (the list editors keep) and OutcomeResult (one report's data on one outcome).
``stats``: effect sizes (statsmodels) and pooling (PyMARE), with the reasons a set is not pooled.
``forest``: the forest plot, laid out in Python and drawn as SVG by a template.
"""
