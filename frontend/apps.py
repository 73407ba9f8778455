from __future__ import annotations

from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"

    def ready(self) -> None:
        from django.contrib import admin

        from frontend.forms import AdminLoginForm

        admin.site.login_form = AdminLoginForm
