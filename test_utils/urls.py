"""URLs of the test project: the Django admin, where operators look at waffle flags and captures."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
