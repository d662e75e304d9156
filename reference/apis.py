"""GET /api/v1/reference/{name}: active rows of a ``ref`` table for drop-downs."""

from django.http import Http404
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from eventlead.core.rows import RowFormat
from eventlead.db.compiled import CompiledQuery

from . import models

TABLES = {
    "countries": models.Country,
    "languages": models.Language,
    "industries": models.Industry,
    "user-statuses": models.UserStatus,
    "user-invitation-statuses": models.UserInvitationStatus,
    "user-roles": models.UserRole,
    "user-company-roles": models.UserCompanyRole,
    "user-company-statuses": models.UserCompanyStatus,
    "setting-categories": models.SettingCategory,
    "setting-types": models.SettingType,
    "rule-types": models.RuleType,
    "customer-tiers": models.CustomerTier,
    "joined-via": models.JoinedVia,
}
_COMMON = ["code", "display_name", "description", "sort_order"]
_HIDDEN = {"id", "is_active", "created_date", "updated_date"}


def _serializer_for(model):
    own = [f.name for f in model._meta.concrete_fields if f.name not in _HIDDEN and f.name not in _COMMON]
    meta = type("Meta", (), {"model": model, "fields": _COMMON + own})
    return type(f"{model.__name__}Output", (serializers.ModelSerializer,), {"Meta": meta})


SERIALIZERS = {name: _serializer_for(model) for name, model in TABLES.items()}


def _listing(name: str) -> tuple[RowFormat, CompiledQuery]:
    """The table's active rows in display order, as its serializer writes them (compiled once)."""
    row_format = RowFormat(SERIALIZERS[name])
    model = TABLES[name]
    query = CompiledQuery(
        lambda: model.objects.active().order_by("sort_order", "display_name").values_list(*row_format.lookups)
    )
    return row_format, query


LISTINGS = {name: _listing(name) for name in TABLES}


class ReferenceRowOutput(serializers.Serializer):
    """The columns every reference table shares; each table adds its own (countries: countryCode, taxRate, ...)."""

    code = serializers.CharField()
    display_name = serializers.CharField()
    description = serializers.CharField()
    sort_order = serializers.IntegerField()


class ReferenceListApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(TABLES))],
        responses={200: ReferenceRowOutput(many=True)},
    )
    def get(self, request, name):
        if name not in TABLES:
            raise Http404
        row_format, query = LISTINGS[name]
        response = Response(row_format.render_all(query.rows()))
        patch_cache_control(response, public=True, max_age=300)
        return response
