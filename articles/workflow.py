"""Who may do what to a piece: the three editorial roles, as rules the server asks at every door.

- **Authors** write their own drafts and submit them for review; they cannot publish, and
  cannot change a piece once it is in review (until a reviewer sends it back).
- **Medical reviewers** work on pieces in review: approve them (they are recorded as the
  reviewer, with the date) or send them back to draft with a comment. They cannot publish.
- **Editors** publish, unpublish, schedule, archive and edit everything.

Who sees a piece (in the admin, its history, and its preview at the public address): editors
every piece; anyone their own; medical reviewers also the pieces in review and the ones they
reviewed. Each rule is asked about the piece as it stands, before anything (a restored version,
a posted form) is applied: ``ldnsite.admin_rules`` makes every admin door do so.

The roles are groups (made by migration ``0008_editorial_groups``) holding two custom
permissions, ``articles.review_article`` and ``articles.publish_article`` (``ldnsite.roles``),
plus the usual add/change/view ones.
"""

from django.db.models import Q
from django.utils import timezone

from ldnsite.roles import NO_ROLE, is_editor, is_reviewer

from .models import Article

Status = Article.Status

# Set by editors (or by a reviewer's approval), never from an author's or a reviewer's form.
EDITOR_FIELDS = ("published_at", "medical_reviewer", "last_reviewed", "next_review_due")


def may_see_pieces(user):
    return user.has_perm("articles.view_article") or user.has_perm("articles.change_article")


def _reviewed_by(user, article):
    profile = getattr(user, "author_profile", None)
    return profile is not None and article.medical_reviewer_id == profile.pk


def visible_to(user):
    """The pieces ``user`` may see, as a filter: the same rule as ``view_refusal``, for lists."""
    if not may_see_pieces(user):
        return Q(pk__in=[])
    if is_editor(user):
        return Q()
    rule = Q(created_by=user.pk)
    if is_reviewer(user):
        rule |= Q(status=Status.IN_REVIEW) | Q(medical_reviewer__user=user.pk)
    return rule


def view_refusal(user, article):
    """Why ``user`` may not see ``article`` (its form, history, versions, preview), or "" if they may."""
    if not may_see_pieces(user):
        return NO_ROLE
    if is_editor(user) or article.created_by_id == user.pk:
        return ""
    if is_reviewer(user):
        if article.status == Status.IN_REVIEW or _reviewed_by(user, article):
            return ""
        return (
            "Medical reviewers see the pieces in review and the ones they reviewed; this one is "
            f"someone else’s and {article.get_status_display().lower()}."
        )
    return "Authors see the pieces they started; this one is someone else’s."


def change_refusal(user, article):
    """Why ``user`` may not change ``article`` as it stands (restoring a version is a change), or ""."""
    if refusal := view_refusal(user, article):
        return refusal
    if is_editor(user):
        return ""
    if is_reviewer(user) and article.status == Status.IN_REVIEW:
        return ""
    if article.created_by_id == user.pk and article.status == Status.DRAFT:
        return ""
    if article.status == Status.IN_REVIEW:
        return "This piece is in review: its author can change it again once a medical reviewer sends it back."
    return f"This piece is {article.get_status_display().lower()}: only editors can change it."


def recover_refusal(user, restored):
    """Why ``user`` may not bring back the deleted piece ``restored`` (as its last version had it), or ""."""
    if is_editor(user):
        return ""
    if restored.created_by_id != user.pk:
        return "Only editors can bring back someone else’s deleted piece."
    if restored.status != Status.DRAFT:
        return (
            f"This piece was {restored.get_status_display().lower()} when it was deleted: "
            "only editors can bring it back."
        )
    return ""


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
        if (before.medical_reviewer_id if before else None) != after.medical_reviewer_id or (
            before.last_reviewed if before else None
        ) != after.last_reviewed:
            problems["medical_reviewer"] = "The reviewer and review date are set by a reviewer's approval."
        elif before and before.next_review_due != after.next_review_due and after.last_reviewed == before.last_reviewed:
            problems["next_review_due"] = "Only editors can move the next review date."
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
