"""Every admin door that names an object asks one rule about it, as it stands, and says why it refuses.

Django's change form asks ``has_view_permission`` and ``has_change_permission`` about the object it
loads. django-reversion's history, restore and recover views first apply an old version and then run
that change form on what they applied (taking any redirect for success), and reversion-compare's
comparison asks nothing at all. So each door here reads the object from the database *before*
anything is applied, asks the admin's rule about it, answers a refusal with a 403 page giving the
reason, and keeps that object on the request: every later question in the same request (the
permission hooks, a form's check of the change) is asked about the object as it stood, not about a
restored copy.

An admin states its rule in ``view_refusal``, ``change_refusal`` and ``recover_refusal``, each
returning why ``request.user`` may not, or "" if they may.
"""

from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from reversion.models import Version

from .roles import is_editor


class RuleCheckedAdminMixin:
    """For a ModelAdmin (and django-reversion's VersionAdmin): one rule, asked at every door."""

    # The rule. Subclasses extend these; the model-level permissions come first.

    def view_refusal(self, request, obj):
        """Why ``request.user`` may not see ``obj`` as it stands, or ""."""
        if super().has_view_permission(request, obj):
            return ""
        return f"Your account’s role does not include {self.opts.verbose_name_plural}: ask an editor if you need it."

    def change_refusal(self, request, obj):
        """Why ``request.user`` may not change ``obj`` as it stands (a restore is a change), or ""."""
        if refusal := self.view_refusal(request, obj):
            return refusal
        if super().has_change_permission(request, obj):
            return ""
        return f"Your account may look at {self.opts.verbose_name_plural} but not change them."

    def recover_refusal(self, request, restored):
        """Why ``request.user`` may not bring back ``restored`` (a deleted object, as last kept), or ""."""
        if super().has_add_permission(request) and super().has_change_permission(request):
            return ""
        return f"Your account may not bring back deleted {self.opts.verbose_name_plural}."

    # Django's permission hooks ask the same rule, about the object as the request found it.

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return super().has_view_permission(request)
        return not self.view_refusal(request, self.as_it_stands(request, obj))

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return not self.change_refusal(request, self.as_it_stands(request, obj))

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        standing = self.as_it_stands(request, obj)
        return super().has_delete_permission(request, standing) and not self.change_refusal(request, standing)

    # The object as it stands

    def read_object(self, request, object_id, change=False):
        """The object ``object_id`` from the database (None if there is none), after asking the rule.

        Raises PermissionDenied with the reason if the rule refuses; otherwise keeps the object on the
        request as the one this request is about."""
        try:
            obj = self.model._default_manager.filter(pk=unquote(object_id)).first()
        except (ValidationError, ValueError):
            obj = None
        if obj is not None:
            if refusal := (self.change_refusal if change else self.view_refusal)(request, obj):
                raise PermissionDenied(refusal)
            request.object_as_it_stands = obj
        return obj

    def as_it_stands(self, request, obj):
        """``obj`` as it stood when this request's door read it (``obj`` itself if the door read no such object)."""
        standing = self.object_as_it_stands(request)
        if standing is not None and isinstance(obj, type(standing)) and obj.pk == standing.pk:
            return standing
        return obj

    @staticmethod
    def object_as_it_stands(request):
        return getattr(request, "object_as_it_stands", None)

    def restored_object(self, version):
        """An unsaved instance holding a kept version's own fields (no relations), to ask the rule about."""
        fields = version.field_dict
        return self.model(
            **{field.attname: fields[field.attname] for field in self.opts.concrete_fields if field.attname in fields}
        )

    # The doors

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.read_object(request, object_id, change=request.method == "POST")
        if obj is not None and request.method == "GET" and (refusal := self.change_refusal(request, obj)):
            self.message_user(request, f"Read-only. {refusal}", messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self.read_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self.read_object(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def compare_view(self, request, object_id, extra_context=None):
        self.read_object(request, object_id)
        return super().compare_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        posting = request.method == "POST"
        obj = self.read_object(request, object_id, change=posting)
        if obj is None:
            raise Http404("Nothing has this ID now. To bring back a deleted one, use “Recover deleted”.")
        version = get_object_or_404(Version.objects.get_for_object(obj), pk=version_id)
        if posting:
            self._check_restore(request, version, obj)
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        version = get_object_or_404(Version.objects.get_deleted(self.model), pk=version_id)
        restored = self.restored_object(version)
        if refusal := self.recover_refusal(request, restored):
            raise PermissionDenied(refusal)
        if request.method == "POST":
            self._check_restore(request, version, restored)
        return super().recover_view(request, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        deleted = Version.objects.get_deleted(self.model).select_related("revision")
        recoverable = [
            version
            for version in deleted.order_by(*self.get_version_ordering(request))
            if not self.recover_refusal(request, self.restored_object(version))
        ]
        return super().recoverlist_view(request, {**(extra_context or {}), "deleted": recoverable})

    def _check_restore(self, request, version, obj):
        """A restore brings back this one object (and the rows it owns) as the version had it; nothing else."""
        if "_saveasnew" in request.POST:
            raise PermissionDenied(
                "A restore brings back a version of the same record; “Save as new” is not part of it. "
                "Restore the version, then save a copy from its change form if you need one."
            )
        others = [v for v in version.revision.version_set.select_related("content_type") if not owned_by(v, obj)]
        if others:
            raise PermissionDenied(
                f"This version was saved together with {len(others)} other record{'s' if len(others) != 1 else ''} "
                "(an import of several references, for instance), and restoring it would change those too. "
                "Compare it with the current version and make the change by hand instead."
            )


def owned_by(version, obj):
    """Whether ``version`` is of ``obj`` itself or of a row pointing to it (a piece's bylines, citations, tags)."""
    model = version.content_type.model_class()
    if model is type(obj):
        return str(version.object_id) == str(obj.pk)
    fields = version.field_dict
    return any(
        field.many_to_one and field.related_model is type(obj) and str(fields.get(field.attname)) == str(obj.pk)
        for field in model._meta.concrete_fields
    )


class SharedMaterialAdminMixin(RuleCheckedAdminMixin):
    """Material that readers see (a reference a published piece cites, an author it credits, its tags, the
    studies in the evidence table): a change reaches them at once, so once readers see it only editors
    make one. Admins say where readers see an object in ``public_use``."""

    def public_use(self, obj):
        """Where readers see ``obj``, in words ("cited by a published piece (Title)"), or "" if nowhere yet."""
        raise NotImplementedError

    def change_refusal(self, request, obj):
        if refusal := super().change_refusal(request, obj):
            return refusal
        if obj.pk is None or is_editor(request.user) or not (use := self.public_use(obj)):
            return ""
        noun = self.opts.verbose_name
        return (
            f"This {noun} is {use}, so only editors can change it: readers would see the change at once. "
            f"Ask an editor, or add a new {noun} instead."
        )


def titled(pieces, limit=3):
    """“a published piece (A)” or “3 published pieces (A; B; C)”, for a refusal's reason."""
    titles = list(pieces.values_list("title", flat=True)[: limit + 1])
    if not titles:
        return ""
    count = len(titles) if len(titles) <= limit else pieces.count()
    listed = "; ".join(titles[:limit]) + ("; …" if count > limit else "")
    return f"a published piece ({listed})" if count == 1 else f"{count} published pieces ({listed})"


def view_on_site(request, content_type_id, object_id):
    """The admin's “View on site” link, which first asks the object's admin whether this user may see it.

    Django's own shortcut sends any staff account to any object's public address, which names a
    draft by its slug; the site's URLs put this view in its place (under the admin's login check)."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        obj = model._default_manager.get(pk=object_id)
    except (ObjectDoesNotExist, AttributeError, ValueError, ValidationError):
        raise Http404("No such object.") from None
    try:
        model_admin = admin.site.get_model_admin(model)
    except NotRegistered:
        raise PermissionDenied("This kind of record has no page in the editors' desk.") from None
    if not model_admin.has_view_permission(request, obj):
        refusal = model_admin.view_refusal(request, obj) if hasattr(model_admin, "view_refusal") else ""
        raise PermissionDenied(refusal)
    return shortcut(request, content_type_id, object_id)
