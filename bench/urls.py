"""The project's URLs with the baseline view and the floors in front of them, for bench runs only.

The baseline and the floors sit under /api/ so they pass through everything every API request
does (the request log, the API error pages), and differ from the real endpoints only in their views.
"""

from django.urls import path

from eventlead.urls import handler404, handler500  # noqa: F401
from eventlead.urls import urlpatterns as project_urlpatterns

from . import floors
from .baseline import BareApi

# The "id" converter is the one companies/urls.py registers (imported with eventlead.urls):
# the floors take the same ids as their endpoints.
FLOOR = "api/v1/bench/floor/"

urlpatterns = [
    path("api/v1/bench/bare", BareApi.as_view(), name="bench-bare"),
    path(FLOOR + "users/me", floors.MeFloorApi.as_view(), name="bench-floor-users-me"),
    path(FLOOR + "companies/<id:company_id>", floors.CompanyFloorApi.as_view(), name="bench-floor-company"),
    path(FLOOR + "companies/<id:company_id>/members", floors.MemberListFloorApi.as_view(), name="bench-floor-members"),
    path(
        FLOOR + "companies/<id:company_id>/invitations",
        floors.InvitationListFloorApi.as_view(),
        name="bench-floor-invitations",
    ),
    path(FLOOR + "reference/countries", floors.CountryListFloorApi.as_view(), name="bench-floor-countries"),
    *project_urlpatterns,
]
