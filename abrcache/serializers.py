"""Input and output shapes of the ABR search API (snake_case here; camelCase on the wire)."""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from .models import SearchType
from .services import NAME_MAX_LENGTH

MESSAGE_ONE_PARAMETER = "Give exactly one of abn, acn or name."


def _search_field(**kwargs):
    # Blank counts as absent, as in a submitted search form: "?abn=&name=acme" searches the name.
    return serializers.CharField(required=False, allow_blank=True, **kwargs)


class AbrSearchInput(serializers.Serializer):
    abn = _search_field(max_length=20, help_text="11 digits; spaces allowed.")
    acn = _search_field(max_length=20, help_text="9 digits; spaces allowed.")
    name = _search_field(max_length=NAME_MAX_LENGTH, help_text="A business or entity name.")

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
