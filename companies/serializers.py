"""Input and output shapes of the companies API (snake_case here; camelCase on the wire)."""

from rest_framework import serializers

from accounts.serializers import AddressField, TokenPairOutput

from .models import Company, CompanyBillingDetails, CompanyOrganizerDetails, UserCompany, UserInvitation


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
    industry_code = serializers.CharField(max_length=10, required=False, allow_null=True, allow_blank=True)


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
    country_code = serializers.CharField(max_length=2)
    abn = serializers.CharField(max_length=20, required=False, allow_null=True, allow_blank=True)
    acn = serializers.CharField(max_length=20, required=False, allow_null=True, allow_blank=True)


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
    role = serializers.CharField(max_length=60)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MemberRemoveInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class BillingDetailsIO(serializers.ModelSerializer):
    billing_email = AddressField(required=False, allow_blank=True)
    billing_country_code = serializers.CharField(
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

    class Meta:
        model = CompanyOrganizerDetails
        fields = ["website", "public_email", "public_phone", "description", "logo_url", "social_links"]
        extra_kwargs = {name: {"required": False} for name in fields}


class InvitationCreateInput(serializers.Serializer):
    email = AddressField()
    role = serializers.CharField(max_length=60)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


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
    password = serializers.CharField(max_length=256, trim_whitespace=False, write_only=True, required=False)
    first_name = serializers.CharField(max_length=100, required=False)
    last_name = serializers.CharField(max_length=100, required=False)


class InvitationAcceptOutput(serializers.Serializer):
    """The invitee's new membership (a signed-in invitee)."""

    membership = MemberOutput()


class InvitationAcceptNewAccountOutput(TokenPairOutput):
    """The membership and the first token pair of the account the acceptance created."""

    membership = MemberOutput()
