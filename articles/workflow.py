"""Who may do what to a piece: the three editorial roles, as rules the server checks on every save.

- **Authors** write their own drafts and submit them for review; they cannot publish, and
  cannot change a piece once it is in review (until a reviewer sends it back).
- **Medical reviewers** work on pieces in review: approve them (they are recorded as the
  reviewer, with the date) or send them back to draft with a comment. They cannot publish.
- **Editors** publish, unpublish, schedule, archive and edit everything.

The roles are groups (made by migration ``0008_editorial_groups``) holding two custom
permissions, ``articles.review_article`` and ``articles.publish_article``, plus the usual
add/change/view ones. Any user may be given either permission directly, too.
"""

from django.utils import timezone

from .models import Article

PUBLISH = "articles.publish_article"
REVIEW = "articles.review_article"
Status = Article.Status


def is_editor(user):
    return user.has_perm(PUBLISH)


def is_reviewer(user):
    return user.has_perm(REVIEW)


def can_edit(user, article):
    """Whether ``user`` may change ``article`` at all (otherwise the admin shows it read-only)."""
    if is_editor(user):
        return True
    if is_reviewer(user) and article.status in (Status.DRAFT, Status.IN_REVIEW):
        return True
    return article.created_by_id == user.pk and article.status == Status.DRAFT


def statuses_for(user, current):
    """The statuses ``user`` may give a piece whose status is ``current`` (None for a new piece)."""
    if is_editor(user):
        return set(Status.values)
    if current in (None, Status.DRAFT, Status.IN_REVIEW):
        return {Status.DRAFT, Status.IN_REVIEW}
    return {current}


def check_change(user, before, after, approving=False):
    """The problems with ``user`` changing a piece from ``before`` (None if new) to ``after``, as
    {field: message}. Editors may do anything; the others may not publish, schedule or fake a review."""
    problems = {}
    current = before.status if before else None
    if after.status != current and after.status not in statuses_for(user, current):
        problems["status"] = (
            f"Only editors can make a piece “{after.get_status_display()}”. Submit it for review "
            "(status “In review”) and an editor will publish it."
        )
    if not is_editor(user):
        if (before.published_at if before else None) != after.published_at:
            problems["published_at"] = "Only editors can set or change the publication date."
        if before and current == Status.IN_REVIEW and after.status == Status.DRAFT and not after.review_note.strip():
            problems["review_note"] = "Say what needs to change before sending the piece back to its author."
    if approving:
        if not is_reviewer(user):
            problems["approve_review"] = "Only medical reviewers can approve a piece."
        elif not hasattr(user, "author_profile"):
            problems["approve_review"] = (
                "Your account is not linked to an author profile, so readers could not be told who reviewed "
                "the piece. Ask an editor to link it (Authors → your name → user)."
            )
        elif after.status != Status.IN_REVIEW:
            problems["approve_review"] = "Only a piece in review can be approved."
    return problems


def approve(user, article):
    """Record ``user``'s medical review of ``article``, dated today."""
    article.medical_reviewer = user.author_profile
    article.last_reviewed = timezone.localdate()
    article.review_note = ""
