"""The Celery application (config/__init__.py loads it with the settings).

Processes (deploy/systemd): judge workers `celery -A config worker -Q judge`, one maintenance
worker `celery -A config worker -Q maintenance`, one `celery -A config beat`; all with
DJANGO_SETTINGS_MODULE=config.settings.production.
"""

from __future__ import annotations

import os

from celery import Celery

# The same default as manage.py and config/asgi.py: this module is imported with the `config`
# package, before their own default is set. Production processes set the variable explicitly.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("codearena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["arena"])
