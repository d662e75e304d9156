"""Project-level endpoints and the JSON error pages for paths under /api/."""

from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .exceptions import error_page_for_status
from .strict import input_errors, query_errors


def validated_input(
    serializer_class: type[serializers.BaseSerializer[Any]], request: Request, **kwargs: Any
) -> dict[str, Any]:
    """Parse the request body with an input serializer; invalid input raises the 400 error shape.

    Every body goes through here, so it is checked once for what the document promises and DRF
    would coerce: a value of another JSON type, a string over its maxLength or off its pattern
    (``eventlead.core.strict``).
    """
    serializer = serializer_class(data=request.data, **kwargs)
    mistyped = input_errors(serializer, request.data)
    if mistyped:
        raise serializers.ValidationError(mistyped)
    serializer.is_valid(raise_exception=True)
    validated: dict[str, Any] = serializer.validated_data
    return validated


def validated_query(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    """Parse the query string with a query serializer; a value outside its documented bounds is a 400.

    Values are strings by nature: a string over its maxLength or off its pattern, an integer
    that is not digits, or an empty value the document does not admit is refused before the
    serializer reads it (``eventlead.core.strict``).
    """
    serializer = serializer_class(data=request.query_params)
    out_of_bounds = query_errors(serializer, request.query_params)
    if out_of_bounds:
        raise serializers.ValidationError(out_of_bounds)
    serializer.is_valid(raise_exception=True)
    validated: dict[str, Any] = serializer.validated_data
    return validated


class HealthOutput(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    database = serializers.ChoiceField(choices=["ok", "unreachable"])


class HealthApi(APIView):
    """Answer 200 while the database answers, 503 otherwise."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(responses={200: HealthOutput, 503: HealthOutput})
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return Response({"status": "unavailable", "database": "unreachable"}, status=503)
        return Response({"status": "ok", "database": "ok"})


# Exempt: otherwise a POST, PATCH or DELETE to an unknown path gets the CSRF failure page (an
# HTML 403) instead of this 404; the view changes nothing, so there is nothing to protect.
@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/ answer in the error shape, not Django's HTML page."""
    return error_page_for_status(request, 404)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """A 500 never shows a stack trace; API clients get the error shape with the request id."""
    if request.path.startswith("/api/"):
        return error_page_for_status(request, 500)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request)
    from django.views.defaults import page_not_found as html_page_not_found

    return html_page_not_found(request, exception)
