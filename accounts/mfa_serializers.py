"""Input and output shapes of the MFA API (snake_case here; camelCase on the wire)."""

from rest_framework import serializers

from .mfa import RECOVERY_CODE_COUNT

# A typed code: six digits, or a recovery code ("k7xq2-m9pwe"), with room for spaces.
CODE_MAX_LENGTH = 32


def code_field(**kwargs):
    return serializers.CharField(max_length=CODE_MAX_LENGTH, write_only=True, **kwargs)


class TotpSetupOutput(serializers.Serializer):
    secret = serializers.CharField(help_text="The base32 secret, for typing into an app that cannot scan the QR code.")
    otpauth_uri = serializers.CharField(help_text="The otpauth:// URI the QR code holds.")
    qr_svg = serializers.CharField(help_text="The QR code of otpauthUri as an inline SVG document.")


class TotpCodeInput(serializers.Serializer):
    code = code_field(help_text="The current six-digit code of the authenticator app.")


class RecoveryCodesOutput(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        min_length=RECOVERY_CODE_COUNT,
        max_length=RECOVERY_CODE_COUNT,
        help_text="Shown this once (only their hashes are kept); each works once.",
    )


class MfaStatusOutput(serializers.Serializer):
    enabled = serializers.BooleanField()
    enabled_at = serializers.DateTimeField(allow_null=True)
    recovery_codes_left = serializers.IntegerField(help_text="Unused recovery codes; 0 while MFA is off.")


class MfaVerifyInput(serializers.Serializer):
    mfa_token = serializers.CharField(max_length=200, help_text="From login's mfaRequired answer.")
    code = code_field(help_text="A code of the authenticator app, or an unused recovery code.")


class MfaChallengeOutput(serializers.Serializer):
    """Login's answer when MFA is on: no tokens yet; POST /auth/mfa/verify with a code finishes the sign-in."""

    mfa_required = serializers.BooleanField(help_text="Always true in this answer.")
    mfa_token = serializers.CharField(help_text="Single use, valid for five minutes.")
