"""Break glass: turn off a user's two-factor authentication from the server (a lost phone, no admin left)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.addresses import normalize_email
from accounts.admin_actions import MFA_RESET_REASON_MAX_LENGTH, user_mfa_reset
from accounts.models import User

REASON_DEFAULT = "reset with manage.py reset_mfa"


class Command(BaseCommand):
    help = (
        "Turn off two-factor authentication for EMAIL: its device and recovery codes are deleted, the change "
        "is audited with the reason and the user is emailed. They set it up again (a system admin at the "
        "next back-office sign-in)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The account's email address.")
        parser.add_argument(
            "--reason",
            default=REASON_DEFAULT,
            help=f"Why, for the audit trail (at most {MFA_RESET_REASON_MAX_LENGTH} characters).",
        )

    def handle(self, *args, email, reason, **options):
        if len(reason) > MFA_RESET_REASON_MAX_LENGTH:
            raise CommandError(f"The reason is limited to {MFA_RESET_REASON_MAX_LENGTH} characters.")
        user = User.objects.filter(email=normalize_email(email), is_deleted=False).first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        try:
            codes = user_mfa_reset(user=user, actor=None, reason=reason)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if codes is None:
            self.stdout.write(f"MFA was not on for {user.email}: nothing was changed.")
            return
        then = "they enrol again at next admin sign-in" if user.is_staff else "they can turn it on again in the app"
        self.stdout.write(
            self.style.SUCCESS(
                f"MFA turned off for {user.email}: device and {codes} recovery code{'' if codes == 1 else 's'} "
                f"deleted; {then}."
            )
        )
