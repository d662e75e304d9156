"""Make sure a system administrator exists, for a fresh local database."""

import os
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User, normalize_email
from reference.models import UserRole


class Command(BaseCommand):
    help = (
        "Create the system administrator named by DJANGO_SUPERUSER_EMAIL and "
        "DJANGO_SUPERUSER_PASSWORD if missing; without them, create a development admin "
        "once and print its password."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if email and password:
            if User.objects.filter(email=normalize_email(email)).exists():
                self.stdout.write(f"Admin {email} exists.")
                return
            User.objects.create_superuser(email, password)
            self.stdout.write(self.style.SUCCESS(f"Created admin {email}."))
            return
        if User.objects.filter(user_role__code=UserRole.SYSTEM_ADMIN).exists():
            self.stdout.write("A system administrator exists; set DJANGO_SUPERUSER_EMAIL/PASSWORD to add another.")
            return
        email, password = "admin@localhost", secrets.token_urlsafe(12)
        User.objects.create_superuser(email, password)
        self.stdout.write(
            self.style.WARNING(
                f"Created development admin {email} with password {password}\n"
                "It is shown only now. Sign in at http://127.0.0.1:8000/admin/"
            )
        )
