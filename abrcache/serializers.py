"""Input and output shapes of the ABR search API (snake_case here; camelCase on the wire)."""

from django.core.validators import RegexValidator
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from .models import SearchType
from .services import MESSAGE_INVALID_ABN, MESSAGE_INVALID_ACN, NAME_MAX_LENGTH

MESSAGE_ONE_PARAMETER = "Give exactly one of abn, acn or name."
# The numbers as written: their digits, grouped by single spaces as ABR prints them
# ("51 824 753 556", "004 085 616"). [0-9], not \d, which in Python also matches other scripts' digits.
ABN_PATTERN = r"^[0-9]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}\Z"
ACN_PATTERN = r"^[0-9]{3} ?[0-9]{3} ?[0-9]{3}\Z"
ABN_MAX_LENGTH, ACN_MAX_LENGTH = len("51 824 753 556"), len("004 085 616")


def abn_field(**kwargs):
    """An ABN: 11 digits, spaced or not; its check digit is the service's to verify."""
    kwargs.setdefault("help_text", "11 digits, as 51824753556 or 51 824 753 556.")
    return serializers.CharField(
        max_length=ABN_MAX_LENGTH, validators=[RegexValidator(ABN_PATTERN, MESSAGE_INVALID_ABN)], **kwargs
    )


def acn_field(**kwargs):
    """An ACN: 9 digits, spaced or not; its check digit is the service's to verify."""
    kwargs.setdefault("help_text", "9 digits, as 004085616 or 004 085 616.")
    return serializers.CharField(
        max_length=ACN_MAX_LENGTH, validators=[RegexValidator(ACN_PATTERN, MESSAGE_INVALID_ACN)], **kwargs
    )


class AbrSearchInput(serializers.Serializer):
    """Exactly one of ``abn``, ``acn`` and ``name`` (OpenAPI 3.0 cannot say so of query parameters).

    Empty counts as absent, as in a submitted search form: "?abn=&name=acme" searches the name.
    """

    abn = abn_field(required=False, allow_blank=True)
    acn = acn_field(required=False, allow_blank=True)
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=NAME_MAX_LENGTH, help_text="A business or entity name."
    )

    def validate(self, attrs):
        given = {search_type: value for search_type, value in attrs.items() if value}
        if len(given) != 1:
            raise serializers.ValidationError(MESSAGE_ONE_PARAMETER)
        ((search_type, value),) = given.items()
        return {"search_type": search_type, "value": value}


class AbnResultOutput(serializers.Serializer):
    """An ABN record: the one result of an ABN or ACN search."""

    abn = serializers.CharField()
    acn = serializers.CharField(help_text="Empty when the entity is not a company.")
    entity_name = serializers.CharField()
    entity_type_code = serializers.CharField()
    entity_type = serializers.CharField()
    abn_status = serializers.CharField(help_text="Active or Cancelled.")
    abn_status_effective_from = serializers.DateField(allow_null=True)
    business_names = serializers.ListField(child=serializers.CharField())
    gst_registered = serializers.BooleanField()
    gst_registered_from = serializers.DateField(allow_null=True)
    state = serializers.CharField()
    postcode = serializers.CharField()
    address_date = serializers.DateField(allow_null=True)


class NameMatchOutput(serializers.Serializer):
    """One match of a name search."""

    abn = serializers.CharField()
    name = serializers.CharField()
    name_type = serializers.CharField(help_text="Entity Name, Business Name, Trading Name, ...")
    abn_status_code = serializers.CharField(help_text="ABR's status code, e.g. 0000000001.")
    is_current = serializers.BooleanField()
    state = serializers.CharField()
    postcode = serializers.CharField()
    score = serializers.IntegerField(allow_null=True)


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="AbrSearchResult",
        serializers=[AbnResultOutput, NameMatchOutput],
        resource_type_field_name=None,
        many=True,
    )
)
class AbrResultsField(serializers.ListField):
    """The results as the service built them: ABN records or name matches by search type."""

    child = serializers.DictField()


class AbrSearchOutput(serializers.Serializer):
    search_type = serializers.ChoiceField(choices=SearchType.choices)
    search_value = serializers.CharField(help_text="The value searched, normalised.")
    cached = serializers.BooleanField(help_text="Answered from the cache without asking ABR.")
    cached_at = serializers.DateTimeField(help_text="When ABR gave this answer.")
    stale = serializers.BooleanField(help_text="Past its cache lifetime, served because ABR is not answering.")
    results = AbrResultsField()
