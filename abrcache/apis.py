"""GET /api/v1/abr/search: ABN, ACN or name look-ups through the cache."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttles import SettingRateThrottle

from . import serializers as s
from .services import abr_search


class AbrSearchApi(APIView):
    throttle_classes = [SettingRateThrottle]
    throttle_scope = "abrSearch"

    @extend_schema(
        parameters=[s.AbrSearchInput],
        responses={
            200: s.AbrSearchOutput,
            400: OpenApiResponse(description="validation_error: not exactly one parameter, or a check digit is wrong."),
            503: OpenApiResponse(description="upstream_unavailable: ABR is not answering and nothing is cached."),
        },
    )
    def get(self, request):
        query = s.AbrSearchInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(s.AbrSearchOutput(abr_search(**query.validated_data)).data)
