from __future__ import annotations

from django.urls import path

from arena.api import views
from arena.api.docs import DocsView, SchemaView

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("problems/", views.ProblemListApi.as_view(), name="api-problem-list"),
    path("problems/<slug:code>/", views.ProblemDetailApi.as_view(), name="api-problem-detail"),
    path("problems/<slug:code>/run/", views.RunApi.as_view(), name="api-problem-run"),
    path("submissions/", views.SubmissionListCreateApi.as_view(), name="api-submission-list"),
    path("submissions/batch/", views.SubmissionBatchCreateApi.as_view(), name="api-submission-batch"),
    path("submissions/<int:submission_id>/", views.SubmissionDetailApi.as_view(), name="api-submission-detail"),
    path("submissions/<int:submission_id>/state/", views.SubmissionStateApi.as_view(), name="api-submission-state"),
    path("leaderboard/", views.LeaderboardApi.as_view(), name="api-leaderboard"),
    path("tokens/", views.TokenListCreateApi.as_view(), name="api-token-list"),
    path("tokens/<int:token_id>/", views.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", views.MeApi.as_view(), name="api-me"),
    path("campaigns/", views.CampaignListCreateApi.as_view(), name="api-campaign-list"),
    path("campaigns/<int:campaign_id>/", views.CampaignReportApi.as_view(), name="api-campaign-report"),
    path("campaigns/<int:campaign_id>/submissions/", views.CampaignSubmitApi.as_view(), name="api-campaign-submit"),
]
