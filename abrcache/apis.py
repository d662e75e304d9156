"""GET /api/v1/abr/search: ABN, ACN or name look-ups through the cache."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttles import SettingRateThrottle
from eventlead.core.apis import validated_query

from . import serializers as s
from .services import abr_search


class AbrSearchApi(APIView):
    throttle_classes = [SettingRateThrottle]
    throttle_scope = "abrSearch"

    @extend_schema(
        parameters=[s.AbrSearchInput],
        description="Search the Australian Business Register by exactly one criterion: abn, acn or name. "
        "Each is optional on its own, but a request must give one of them and only one (oneOf; OpenAPI 3.0 "
        "cannot state this of query parameters): none, or more than one, is a 400. An empty value counts as "
        "absent.",
        responses={
            200: s.AbrSearchOutput,
            400: OpenApiResponse(
                description="validation_error: not exactly one parameter, a value over its maxLength or off its "
                "pattern, or a check digit is wrong."
            ),
            503: OpenApiResponse(description="upstream_unavailable: ABR is not answering and nothing is cached."),
        },
    )
    def get(self, request):
        return Response(s.AbrSearchOutput(abr_search(**validated_query(s.AbrSearchInput, request))).data)
