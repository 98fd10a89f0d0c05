"""Make one account for each editorial role on a laptop, to try the workflow: ``make demo-accounts``.

An Author (amy), a Medical reviewer (rita, linked to her author profile so that her approval names
her to readers) and an Editor (ed), each signed in at /admin/ with the password printed. Run again,
it gives each a new password. It refuses to run with DEBUG off: these are accounts anyone reading
this file could guess, so they belong on a laptop only.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.models import Author

ACCOUNTS = [
    # username, group, what they do in the workflow
    ("amy", "Authors", "writes a draft and submits it for review"),
    ("rita", "Medical reviewers", "approves it, or sends it back with a note"),
    ("ed", "Editors", "publishes it"),
]
REVIEWER_PROFILE = {"slug": "rita-reviewer", "name": "Rita Reviewer", "credentials": "MD"}


class Command(BaseCommand):
    help = "Make (or reset) an Author, a Medical reviewer and an Editor account to try the workflow. Laptop only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_accounts makes accounts with printed passwords, for a laptop only; it runs with DEBUG=1 "
                "(make run sets it). In production, make accounts with createsuperuser and the admin."
            )
        if missing := [group for _, group, _ in ACCOUNTS if not Group.objects.filter(name=group).exists()]:
            raise CommandError(f"The groups {', '.join(missing)} are missing: run `manage.py migrate` first.")
        lines = []
        with transaction.atomic():
            for username, group, does in ACCOUNTS:
                password = secrets.token_urlsafe(9)
                user, _ = get_user_model().objects.get_or_create(
                    username=username, defaults={"email": f"{username}@example.org"}
                )
                user.is_staff, user.is_active = True, True
                user.set_password(password)
                user.save()
                user.groups.set([Group.objects.get(name=group)])
                lines.append(f"  {username:<5} {password:<14} {group}: {does}")
            reviewer = get_user_model().objects.get(username="rita")
            profile, _ = Author.objects.get_or_create(slug=REVIEWER_PROFILE["slug"], defaults=REVIEWER_PROFILE)
            if profile.user_id != reviewer.pk:
                Author.objects.filter(user=reviewer).exclude(pk=profile.pk).update(user=None)
                profile.user = reviewer
                profile.save()
        self.stdout.write("Demo accounts, for this laptop only (sign in at /admin/):")
        self.stdout.write("\n".join(lines))
