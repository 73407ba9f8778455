from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from arena.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v2/", include("arena.api.v2.urls")),
    path("api/", include("arena.api.urls")),
    path("", include("frontend.urls")),
]
