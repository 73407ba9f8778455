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

# JSON in the API's envelope under /api/, the site's pages elsewhere (arena/error_handlers.py).
handler400 = "arena.error_handlers.bad_request"
handler403 = "arena.error_handlers.permission_denied"
handler404 = "arena.error_handlers.page_not_found"
handler500 = "arena.error_handlers.server_error"
