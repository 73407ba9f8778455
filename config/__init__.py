"""Every process that loads the settings also loads the Celery app, so a task sent from a web
process goes to the configured broker (REDIS_URL), never to Celery's built-in default."""

from config.celery import app as celery_app

__all__ = ("celery_app",)
