"""GET /api/v1/companies/{companyId}/activity: the company's audit trail for its admins."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from eventlead.core.apis import validated_query
from eventlead.core.pagination import PAGE_PARAMETERS, page_parameters

from . import activity_serializers as s
from .access import membership_role, require_admin
from .activity import ActivityFilters, company_activity
from .apis import REFUSED

INVALID_QUERY = OpenApiResponse(
    description="validation_error: a filter, the cursor or the limit is not valid (fields names it)."
)
NOT_A_MEMBER = OpenApiResponse(description="not_found: no such company, or the caller is not its active member.")


class CompanyActivityApi(APIView):
    @extend_schema(
        parameters=[*PAGE_PARAMETERS, s.ActivityFilterInput],
        responses={200: s.ActivityPageOutput, 400: INVALID_QUERY, 403: REFUSED, 404: NOT_A_MEMBER},
        description="What happened in the company, newest first (company admins only): its recorded actions, "
        "role changes and changes to the company's record, each with who did it and a one-line summary.",
    )
    def get(self, request, company_id):
        require_admin(membership_role(user=request.user, company_id=company_id))
        filters = ActivityFilters(**validated_query(s.ActivityFilterInput, request))
        cursor, limit = page_parameters(request)
        page = company_activity(company_id=company_id, filters=filters, cursor=cursor, limit=limit)
        return Response({"results": s.ActivityEntryOutput(page.results, many=True).data, "next": page.next})
