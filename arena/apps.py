from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ArenaConfig(AppConfig):
    name = "arena"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from judge.meters import MeterRefused, judging_meter_check

        # A meter that submitted code can fool is refused before the first submission is judged.
        try:
            judging_meter_check(settings.JUDGE_METER)
        except MeterRefused as exc:
            raise ImproperlyConfigured(str(exc)) from exc
