from __future__ import annotations

from django.urls import path

from arena.api.v2 import views

urlpatterns = [
    path("problems", views.problems, name="v2-problems"),
    path("problem/<str:code>", views.problem, name="v2-problem"),
    path("submissions", views.submissions, name="v2-submissions"),
    path("submission/<int:submission_id>", views.submission, name="v2-submission"),
    path("submission", views.submission_post, name="v2-submission-post"),
]
