from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from eventlead.core.apis import HealthApi, api_not_found

api_v1: list[URLPattern | URLResolver] = [
    path("health", HealthApi.as_view(), name="health"),
    path("", include("accounts.urls")),
    path("", include("companies.urls")),
    path("reference/", include("reference.urls")),
    path("abr/", include("abrcache.urls")),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]
if settings.SERVE_API_DOCS:
    urlpatterns += [
        path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
        path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    ]
urlpatterns.append(re_path(r"^api/", api_not_found))

handler400 = "eventlead.core.exceptions.bad_request"
handler403 = "eventlead.core.exceptions.permission_denied"
handler404 = "eventlead.core.apis.page_not_found"
handler500 = "eventlead.core.apis.server_error"
