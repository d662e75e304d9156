from django.urls import path

from . import apis

urlpatterns = [
    path("search", apis.AbrSearchApi.as_view(), name="abr-search"),
]
