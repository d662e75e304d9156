"""The baseline: a DRF view that does no authentication, throttling or database work."""

from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class BareApi(APIView):
    """Answer a small JSON body; what is left is Django, the middleware and DRF themselves."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        return Response({"status": "ok"})
