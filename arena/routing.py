from __future__ import annotations

from django.urls import path

from arena.consumers import LeaderboardConsumer, SubmissionConsumer

websocket_urlpatterns = [
    path("ws/submission/<str:secret>/", SubmissionConsumer.as_asgi()),
    path("ws/leaderboard/", LeaderboardConsumer.as_asgi()),
]
