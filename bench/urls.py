"""The project's URLs with the baseline view in front of them, for bench runs only.

The baseline sits under /api/ so it passes through everything every API request does
(the request log, the API error pages), and differs from the real endpoints only in its view.
"""

from django.urls import path

from eventlead.urls import handler404, handler500  # noqa: F401
from eventlead.urls import urlpatterns as project_urlpatterns

from .baseline import BareApi

urlpatterns = [path("api/v1/bench/bare", BareApi.as_view(), name="bench-bare"), *project_urlpatterns]
