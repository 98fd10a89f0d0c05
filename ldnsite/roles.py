"""The site's editorial roles, as the two permissions that make them.

The groups holding them (Authors, Medical reviewers, Editors) are made by migration
``articles/0008_editorial_groups``; what each role may do to a piece is ``articles.workflow``,
and what they may do to material pieces show is each admin's rule (``ldnsite.admin_rules``).
Any account may be given either permission directly, too.
"""

EDITOR = "articles.publish_article"
REVIEWER = "articles.review_article"

NO_ROLE = "Your account has no editorial role: ask an editor to add you to Authors, Medical reviewers or Editors."


def is_editor(user):
    """Editors publish, unpublish, schedule, archive and change everything readers see."""
    return user.has_perm(EDITOR)


def is_reviewer(user):
    """Medical reviewers approve pieces in review or send them back."""
    return user.has_perm(REVIEWER)
