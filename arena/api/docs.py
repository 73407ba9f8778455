"""The OpenAPI schema and its interactive docs, served at /api/schema/ and /api/docs/.

Kept apart from arena/api/schema.py, which DRF imports while it sets up APIView itself.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView


class _JsonErrors(APIView):
    """The schema (YAML) and docs (HTML) views answer errors, a POST say, in JSON like the rest."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(_JsonErrors, SpectacularAPIView):
    pass


class DocsView(_JsonErrors, SpectacularSwaggerView):
    pass
