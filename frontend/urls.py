from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.problem_list_view, name="problem-list"),
    path("problem/<slug:code>/", views.problem_detail_view, name="problem-detail"),
    path("submission/<int:submission_id>/", views.submission_detail_view, name="submission-detail"),
    path("submission/<int:submission_id>/cost-plot/", views.submission_cost_plot_view, name="submission-cost-plot"),
    path("submissions/", views.submission_list_view, name="submission-list"),
    path("leaderboard/", views.leaderboard_view, name="leaderboard"),
    path("campaign/<int:campaign_id>/", views.campaign_detail_view, name="campaign-detail"),
    path("profile/", views.profile_view, name="profile"),
    path("u/<str:username>/", views.participant_profile_view, name="participant-profile"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token-revoke"),
    path("signup/", views.signup_view, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
