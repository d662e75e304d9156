"""Input and output shapes of the companies API (snake_case here; camelCase on the wire)."""

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from abrcache.serializers import abn_field, acn_field
from accounts.serializers import AddressField, TokenPairOutput, new_password_field
from reference.models import UserCompanyRole, UserInvitationStatus

from .models import Company, CompanyBillingDetails, CompanyOrganizerDetails, UserCompany, UserInvitation
from .services import MESSAGE_UNKNOWN_COUNTRY, MESSAGE_UNKNOWN_INDUSTRY

# The roles of a company, as the code knows them.
COMPANY_ROLES = (UserCompanyRole.COMPANY_ADMIN, UserCompanyRole.COMPANY_USER, UserCompanyRole.COMPANY_VIEWER)
# ISO 3166-1 alpha-2, either case (ref.Country is matched upper-cased).
COUNTRY_CODE_PATTERN = r"^[A-Za-z]{2}\Z"
# A code of ref.Industry (ANZSIC divisions: one letter), matched upper-cased.
INDUSTRY_CODE_PATTERN = r"^[A-Za-z0-9]+\Z"


@extend_schema_field({"type": "string", "enum": list(COMPANY_ROLES)})
class RoleField(serializers.CharField):
    """A company role's code, documented as the enum of ``COMPANY_ROLES``.

    Checked by the service, which also knows which roles are active and names them: an unknown
    or inactive role is a 400 on ``role``, and a bulk row's own result (with its address). So
    blank passes here too, for the service to refuse with the others; the document (no
    ``minLength``) shows the enum alone.
    """

    def __init__(self, **kwargs):
        super().__init__(allow_blank=True, **kwargs)


def country_code_field(**kwargs):
    return serializers.CharField(
        max_length=2, validators=[RegexValidator(COUNTRY_CODE_PATTERN, MESSAGE_UNKNOWN_COUNTRY)], **kwargs
    )


class CompanyProfileInput(serializers.Serializer):
    """A company's profile fields; any other key in the body is ignored."""

    company_name = serializers.CharField(max_length=200, required=False)
    custom_display_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    display_name_source = serializers.ChoiceField(choices=Company.DisplayNameSource.choices, required=False)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = AddressField(required=False, allow_blank=True)
    website = serializers.URLField(max_length=500, required=False, allow_blank=True)
    address_line1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    suburb = serializers.CharField(max_length=100, required=False, allow_blank=True)
    state_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    industry_code = serializers.CharField(
        max_length=10,
        required=False,
        allow_null=True,
        allow_blank=True,
        validators=[RegexValidator(INDUSTRY_CODE_PATTERN, MESSAGE_UNKNOWN_INDUSTRY)],
    )


class CompanyUpdateInput(CompanyProfileInput):
    """The fields a company admin may change; any other key in the body is ignored."""

    require_mfa = serializers.BooleanField(
        required=False,
        help_text="Members without two-factor authentication get 403 mfa_required on this company's routes. "
        "Turning it on needs MFA on the acting admin's own account.",
    )


class CompanyCreateInput(CompanyProfileInput):
    """A new company; its admin may require MFA of its members once it exists (PATCH)."""

    company_name = serializers.CharField(max_length=200)
    country_code = country_code_field()
    abn = abn_field(required=False, allow_null=True, allow_blank=True)
    acn = acn_field(required=False, allow_null=True, allow_blank=True)


class CompanyOutput(serializers.ModelSerializer):
    company_id = serializers.IntegerField(source="id")
    display_name = serializers.CharField()
    country_code = serializers.CharField(source="country.country_code")
    industry_code = serializers.CharField(source="industry.industry_code", default=None, allow_null=True)
    role = serializers.SerializerMethodField()

    class Meta:
        model = Company
        fields = [
            "company_id",
            "company_name",
            "display_name",
            "legal_entity_name",
            "business_names",
            "custom_display_name",
            "display_name_source",
            "abn",
            "acn",
            "abn_status",
            "abn_status_effective_from",
            "entity_type",
            "gst_registered",
            "gst_registered_from",
            "abr_last_verified_at",
            "country_code",
            "industry_code",
            "phone",
            "email",
            "website",
            "address_line1",
            "address_line2",
            "suburb",
            "state_code",
            "postal_code",
            "parent_company",
            "require_mfa",
            "created_date",
            "role",
        ]

    def get_role(self, company) -> str | None:
        return self.context.get("role")


class MemberOutput(serializers.ModelSerializer):
    user_company_id = serializers.IntegerField(source="id")
    user_id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    role = serializers.CharField(source="role.code")
    status = serializers.CharField(source="status.code")
    joined_via = serializers.CharField(source="joined_via.code")

    class Meta:
        model = UserCompany
        fields = [
            "user_company_id",
            "user_id",
            "email",
            "first_name",
            "last_name",
            "role",
            "status",
            "joined_via",
            "joined_date",
            "is_primary",
            "removed_date",
            "removal_reason",
        ]


class MemberPageOutput(serializers.Serializer):
    results = MemberOutput(many=True)
    next = serializers.CharField(allow_null=True, help_text="The cursor of the next page; null on the last.")


class MemberRoleInput(serializers.Serializer):
    role = RoleField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MemberRemoveInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class BillingDetailsIO(serializers.ModelSerializer):
    billing_email = AddressField(required=False, allow_blank=True)
    billing_country_code = country_code_field(
        source="billing_country.country_code", required=False, allow_null=True, allow_blank=True
    )

    class Meta:
        model = CompanyBillingDetails
        fields = [
            "billing_email",
            "billing_contact_name",
            "billing_phone",
            "billing_address_line1",
            "billing_address_line2",
            "billing_suburb",
            "billing_state_code",
            "billing_postal_code",
            "billing_country_code",
            "purchase_order_reference",
        ]
        extra_kwargs = {name: {"required": False} for name in fields}


class OrganizerDetailsIO(serializers.ModelSerializer):
    public_email = AddressField(required=False, allow_blank=True)
    # An object, as the back office's form requires (its model field is any JSON).
    social_links = serializers.DictField(
        required=False, help_text='Links by network, e.g. {"linkedin": "https://..."}.'
    )

    class Meta:
        model = CompanyOrganizerDetails
        fields = ["website", "public_email", "public_phone", "description", "logo_url", "social_links"]
        extra_kwargs = {name: {"required": False} for name in fields}


class InvitationCreateInput(serializers.Serializer):
    email = AddressField()
    role = RoleField()
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


# The values of GET .../invitations?status=: the stored status of an invitation.
INVITATION_STATUSES = (
    UserInvitationStatus.PENDING,
    UserInvitationStatus.ACCEPTED,
    UserInvitationStatus.DECLINED,
    UserInvitationStatus.EXPIRED,
    UserInvitationStatus.CANCELLED,
)
MESSAGE_INVITATION_STATUS = f"Use one of: {', '.join(INVITATION_STATUSES)}."


class InvitationListQuery(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=INVITATION_STATUSES,
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": MESSAGE_INVITATION_STATUS},
        help_text="Only invitations with this status as stored: a pending invitation past its expiry is shown as "
        "expired, but matches pending until manage.py expire_invitations marks it. Empty for every status.",
    )


class InvitationOutput(serializers.ModelSerializer):
    invitation_id = serializers.IntegerField(source="id")
    role = serializers.CharField(source="role.code")
    status = serializers.SerializerMethodField()
    invited_by = serializers.EmailField(source="invited_by.email")

    class Meta:
        model = UserInvitation
        fields = [
            "invitation_id",
            "invited_email",
            "invited_first_name",
            "invited_last_name",
            "role",
            "status",
            "invited_by",
            "invited_at",
            "expires_at",
            "accepted_at",
            "declined_at",
            "decline_reason",
            "cancelled_at",
            "cancellation_reason",
            "resend_count",
            "last_resent_at",
        ]

    def get_status(self, invitation) -> str:
        from .invitations import effective_status

        return effective_status(invitation)


class InvitationPageOutput(serializers.Serializer):
    results = InvitationOutput(many=True)
    next = serializers.CharField(allow_null=True, help_text="The cursor of the next page; null on the last.")


class InvitationPreviewOutput(serializers.Serializer):
    company_name = serializers.CharField(source="company.display_name")
    invited_email = serializers.EmailField()
    role = serializers.CharField(source="role.code")
    status = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()

    def get_status(self, invitation) -> str:
        from .invitations import effective_status

        return effective_status(invitation)


class InvitationAcceptInput(serializers.Serializer):
    password = new_password_field(required=False)
    first_name = serializers.CharField(max_length=100, required=False)
    last_name = serializers.CharField(max_length=100, required=False)


class InvitationAcceptOutput(serializers.Serializer):
    """The invitee's new membership (a signed-in invitee)."""

    membership = MemberOutput()


class InvitationAcceptNewAccountOutput(TokenPairOutput):
    """The membership and the first token pair of the account the acceptance created."""

    membership = MemberOutput()
