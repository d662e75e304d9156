"""Input and output shapes of the accounts API (snake_case here; camelCase on the wire)."""

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import DatabaseError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from configuration.settings_store import get_setting

from .addresses import EMAIL_MAX_LENGTH, MESSAGE_INVALID, AddressInvalid, canonical_email
from .models import User
from .services import PROFILE_FIELDS

MAX_PASSWORD = settings.PASSWORD_MAX_LENGTH
HELP_POLICY = (
    "The password policy applies: at least auth.password_min_length characters (minLength is that setting "
    "when this document was generated; an administrator can change it at any time), letters and digits both "
    "while auth.password_require_mixed is on, not a common password, not like the email or the name."
)


def password_field(**kwargs):
    """A password the account already has: any length it was set with, up to ``MAX_PASSWORD``."""
    return serializers.CharField(max_length=MAX_PASSWORD, trim_whitespace=False, write_only=True, **kwargs)


def _policy_min_length() -> int:
    """The setting, for the document; 1 (no minimum but non-empty) where no database answers."""
    try:
        min_length: int = get_setting("auth.password_min_length")
    # No database to read: manage.py spectacular before the first migrate, or (RuntimeError)
    # pytest-django's guard, where a test module lists the operations at collection.
    except (DatabaseError, KeyError, RuntimeError):
        return 1
    return min_length


class PolicyMinimumLength(MinLengthValidator):
    """Document the policy's minimum length (``auth.password_min_length``) as the field's ``minLength``.

    Its limit is the setting itself, which drf-spectacular reads (a callable limit) when it
    generates the document. The check is the service's (``services.password_validate``, with the
    rest of the policy), after what must come first: accepting an invitation for an address that
    has an account answers 409 whatever the new-account password, and that password is not read.
    """

    def __init__(self) -> None:
        super().__init__(_policy_min_length)

    def __call__(self, value):
        """Refuse nothing here: the service applies the whole policy (see the class docstring)."""


def new_password_field(**kwargs):
    """A password being chosen: documented with the policy's minimum length, checked by the service."""
    kwargs.setdefault("help_text", HELP_POLICY)
    return password_field(validators=[PolicyMinimumLength()], **kwargs)


class AddressField(serializers.EmailField):
    """An email address, given to the service in its canonical form (``accounts.addresses``).

    Where an account, an invitation or a contact address is made (the default), only an address
    with a canonical form is taken: mail to it reaches the mailbox typed. For a look-up
    (``lookup=True``: password reset, verification resend) an address that only passes Django's
    syntax check, as before, is passed on as typed: it finds no account, and the answer is the
    one an unknown address gets.
    """

    default_error_messages = {"invalid": MESSAGE_INVALID}

    def __init__(self, *, lookup: bool = False, **kwargs):
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)
        self.lookup = lookup

    def to_internal_value(self, data):
        typed = super().to_internal_value(data)
        if len(typed) > self.max_length:  # as typed, before NFKC, so the message names the limit
            self.fail("max_length", max_length=self.max_length)
        try:
            return canonical_email(typed)
        except AddressInvalid:
            if self.lookup:
                return typed  # Django's EmailValidator, among the field's validators, still applies
            self.fail("invalid")


class SignupInput(serializers.Serializer):
    email = AddressField()
    password = new_password_field()
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)


class TokenInput(serializers.Serializer):
    token = serializers.CharField(max_length=200)


class EmailInput(serializers.Serializer):
    email = AddressField(lookup=True)


@extend_schema_field(OpenApiTypes.EMAIL)
class SignInAddressField(serializers.CharField):
    """The address an account signs in with, in any spelling of it (``accounts.addresses``).

    Documented as an email address; a text that is none is refused as a wrong address is (401
    invalid_credentials), not with a 400, so every failed sign-in answers alike.
    """

    def __init__(self, **kwargs):
        super().__init__(max_length=EMAIL_MAX_LENGTH, **kwargs)


class LoginInput(serializers.Serializer):
    email = SignInAddressField()
    password = password_field()


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=2000)


class PasswordResetConfirmInput(serializers.Serializer):
    token = serializers.CharField(max_length=200)
    new_password = new_password_field()


class PasswordChangeInput(serializers.Serializer):
    current_password = password_field()
    new_password = new_password_field()


class AcceptedOutput(serializers.Serializer):
    detail = serializers.CharField()


class VerifiedOutput(serializers.Serializer):
    verified = serializers.BooleanField()


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class MembershipOutput(serializers.Serializer):
    company_id = serializers.IntegerField(source="company.id")
    name = serializers.CharField(source="company.display_name")
    role = serializers.CharField(source="role.code")
    require_mfa = serializers.BooleanField(
        source="company.require_mfa",
        help_text="The company requires MFA: without it, its routes answer 403 mfa_required.",
    )


class UserOutput(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="id")
    status = serializers.CharField(source="status.code")
    mfa_enabled = serializers.BooleanField(help_text="Two-factor authentication is on for this account.")
    companies = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "user_id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "role_title",
            "timezone_identifier",
            "profile_picture_url",
            "email_verified_at",
            "status",
            "last_login",
            "mfa_enabled",
            "companies",
        ]

    @extend_schema_field(MembershipOutput(many=True))
    def get_companies(self, user):
        return MembershipOutput(self.context.get("memberships", []), many=True).data


class LoginOutput(TokenPairOutput):
    user = UserOutput()


class ProfileInput(serializers.ModelSerializer):
    """Only these fields can change; anything else in the body is ignored (mass assignment)."""

    class Meta:
        model = User
        fields = list(PROFILE_FIELDS)
        extra_kwargs = {field: {"required": False} for field in PROFILE_FIELDS}

    def validate_timezone_identifier(self, value):
        import zoneinfo

        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError("Use an IANA time zone such as Australia/Sydney.")
        return value


class SessionOutput(serializers.Serializer):
    session_id = serializers.CharField(help_text="Opaque; the `sid` claim of the session's tokens.")
    current = serializers.BooleanField(help_text="Whether this request comes from this session.")
    created_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField(help_text="Moves at most once a minute.")
    ip_address = serializers.IPAddressField(allow_null=True)
    user_agent = serializers.CharField()
    device = serializers.CharField(help_text='A readable device name, e.g. "Firefox on Windows".')


class SessionPageOutput(serializers.Serializer):
    results = SessionOutput(many=True)
    next = serializers.CharField(allow_null=True, help_text="The cursor of the next page; null on the last.")


MESSAGE_ONE_PROOF = (
    "Give either your password or, with two-factor authentication on, a code from your authenticator app "
    "or a recovery code: one of them, not both."
)


class ReauthenticateInput(serializers.Serializer):
    """The password, or once MFA is on a TOTP or recovery code: exactly one of them."""

    password = password_field(required=False)
    code = serializers.CharField(max_length=32, required=False, write_only=True)

    def validate(self, data):
        if ("password" in data) == ("code" in data):
            raise serializers.ValidationError(MESSAGE_ONE_PROOF)
        return data


class AccessOutput(serializers.Serializer):
    access = serializers.CharField()
