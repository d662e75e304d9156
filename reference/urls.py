from django.urls import path

from .apis import ReferenceListApi

urlpatterns = [path("<slug:name>", ReferenceListApi.as_view(), name="reference-list")]
