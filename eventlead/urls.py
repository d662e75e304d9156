from django.contrib import admin
from django.urls import path

from eventlead.core.apis import HealthApi

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/health", HealthApi.as_view(), name="health"),
]
