"""Native REST API. Thin views: parse, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from arena.api.errors import flatten_detail
from arena.api.schema import error_responses
from arena.api.serializers import (
    CampaignInputSerializer,
    CampaignSerializer,
    LeaderboardRowSerializer,
    ProblemDetailSerializer,
    ProblemSummarySerializer,
    RunInputSerializer,
    SubmissionDetailSerializer,
    SubmissionInputSerializer,
    SubmissionSerializer,
    TokenCreatedSerializer,
    TokenInputSerializer,
    TokenSerializer,
)
from arena.api.throttles import CampaignCreateThrottle, SubmissionThrottle, TokenCreateThrottle
from arena.errors import AppError
from arena.models import ApiToken, Campaign, Participant, Problem
from arena.selectors.campaigns import campaign_access, campaign_report
from arena.selectors.leaderboard import leaderboard_filters_from, leaderboard_rows
from arena.selectors.problems import problem_get, problem_list
from arena.selectors.submissions import access_submission, submission_list, submission_state
from arena.services.campaigns import campaign_create, campaign_submit
from arena.services.languages import language_choices
from arena.services.participants import participant_for_user, token_create, token_revoke
from arena.services.runs import RunRequest, code_run
from arena.services.submissions import SubmissionDraft, submission_create, submissions_create
from arena.services.throttling import client_ip

MAX_BATCH = 50


def _batch_items(request: Request, noun: str) -> list[dict[str, Any]]:
    """A batch body's items, validated one by one so that an error names the item it is about."""
    if not isinstance(request.data, list) or not 1 <= len(request.data) <= MAX_BATCH:
        raise AppError("invalid_batch", f"Send a JSON list of 1 to {MAX_BATCH} {noun}.")
    items = []
    for index, raw in enumerate(request.data):
        data = SubmissionInputSerializer(data=raw)
        if not data.is_valid():
            raise AppError("invalid", flatten_detail(data.errors)).for_item(index)
        items.append(dict(data.validated_data))
    return items


def _participant(request: Request) -> Participant:
    return participant_for_user(request.user)


def _problem_or_404(code: str) -> Problem:
    problem = problem_get(code)
    if problem is None:
        from rest_framework.exceptions import NotFound

        raise NotFound(f"No problem with code {code!r}.")
    return problem


class ProblemListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("difficulty", str, enum=["easy", "medium", "hard"]),
            OpenApiParameter("search", str, description="In the code and the title."),
            OpenApiParameter("tag", str),
        ],
        responses={200: ProblemSummarySerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        problems = problem_list(
            difficulty=request.query_params.get("difficulty", ""),
            search=request.query_params.get("search", ""),
            tag=request.query_params.get("tag", ""),
        )
        return Response(ProblemSummarySerializer(problems, many=True).data)


class ProblemDetailApi(APIView):
    @extend_schema(responses=ProblemDetailSerializer)
    def get(self, request: Request, code: str) -> Response:
        return Response(ProblemDetailSerializer(_problem_or_404(code)).data)


class RunApi(APIView):
    """Run code on the samples or on custom inputs: stdout/stderr, the return value, and for
    samples expected vs got. No submission, no efficiency measurement, its own rate limit."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=RunInputSerializer, responses={200: OpenApiTypes.OBJECT, **error_responses(404)})
    def post(self, request: Request, code: str) -> Response:
        problem = _problem_or_404(code)
        data = RunInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = RunRequest(
            problem=problem, language=data.validated_data["language"], source=data.validated_data["source"],
            inputs=data.validated_data["inputs"],
        )  # fmt: skip
        return Response(code_run(participant=_participant(request), request=run, ip=client_ip(request)))


class SubmissionListCreateApi(APIView):
    throttle_classes = [SubmissionThrottle]

    def get_permissions(self) -> list[permissions.BasePermission]:
        return [permissions.IsAuthenticated()]

    @extend_schema(
        parameters=[OpenApiParameter("problem", str, description="Only this problem's.")],
        responses=SubmissionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        submissions = submission_list(
            participant=_participant(request), problem_code=request.query_params.get("problem", "")
        )
        return Response(SubmissionSerializer(submissions[:200], many=True).data)

    @extend_schema(request=SubmissionInputSerializer, responses={201: SubmissionSerializer, **error_responses(404)})
    def post(self, request: Request) -> Response:
        data = SubmissionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = submission_create(
            participant=_participant(request),
            problem=_problem_or_404(data.validated_data["problem"]),
            language=data.validated_data["language"],
            source=data.validated_data["source"],
        )
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


class SubmissionBatchCreateApi(APIView):
    """Create up to 50 submissions at once; all or nothing."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [SubmissionThrottle]

    @extend_schema(
        request=SubmissionInputSerializer(many=True),
        responses={201: SubmissionSerializer(many=True), **error_responses(404)},
    )
    def post(self, request: Request) -> Response:
        items = _batch_items(request, "submissions")
        drafts = []
        for index, item in enumerate(items):
            problem = problem_get(item["problem"])
            if problem is None:
                message = f"No problem with code {item['problem']!r}."
                raise AppError("not_found", message, status=404).for_item(index)
            drafts.append(SubmissionDraft(problem, item["language"], item["source"]))
        created = submissions_create(participant=_participant(request), drafts=drafts)
        return Response(SubmissionSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class SubmissionDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=SubmissionDetailSerializer)
    def get(self, request: Request, submission_id: int) -> Response:
        submission = access_submission(request.user, submission_id)
        if submission is None:
            from rest_framework.exceptions import NotFound

            raise NotFound(f"No submission {submission_id} of yours.")
        return Response(SubmissionDetailSerializer(submission).data)


class LeaderboardApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=["all", "human", "model"]),
            OpenApiParameter("difficulty", str, enum=["easy", "medium", "hard"]),
            OpenApiParameter("language", str, description="Only solutions in this language: "
                             + ", ".join(f"{key} ({name})" for key, name in language_choices()) + "."),
            OpenApiParameter("published_after", OpenApiTypes.DATE, description="Only problems published after it."),
            OpenApiParameter("window", str, enum=["all", "cutoff"], description="cutoff: each model only on "
                             "problems published after its training cut-off."),
            OpenApiParameter("rule", str, enum=["slide", "acceptance"]),
        ],
        responses={200: LeaderboardRowSerializer(many=True), **error_responses(400)},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        filters = leaderboard_filters_from(request.query_params)
        return Response(LeaderboardRowSerializer(leaderboard_rows(filters=filters), many=True).data)


class TokenListCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [TokenCreateThrottle]

    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(TokenSerializer(_participant(request).tokens.order_by("-id"), many=True).data)

    @extend_schema(request=TokenInputSerializer, responses={201: TokenCreatedSerializer})
    def post(self, request: Request) -> Response:
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = token_create(participant=_participant(request), name=data.validated_data["name"])
        return Response({**TokenSerializer(token).data, "token": raw}, status=status.HTTP_201_CREATED)


class TokenRevokeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        token = get_object_or_404(ApiToken, id=token_id, participant=_participant(request))
        token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Me", {"username": serializers.CharField(), "display_name": serializers.CharField(),
                   "kind": serializers.CharField()},
        )
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        me = _participant(request)
        return Response({"username": request.user.get_username(), "display_name": me.display_name, "kind": me.kind})


class SubmissionStateApi(APIView):
    """The live-page snapshot (same shape as the WebSocket 'state' message); for polling clients."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, submission_id: int) -> Response:
        submission = access_submission(request.user, submission_id)
        if submission is None:
            from rest_framework.exceptions import NotFound

            raise NotFound(f"No submission {submission_id} of yours.")
        return Response(submission_state(submission))


def _campaign_or_404(request: Request, campaign_id: int) -> Campaign:
    campaign = campaign_access(request.user, campaign_id)
    if campaign is None:
        from rest_framework.exceptions import NotFound

        raise NotFound(f"No campaign {campaign_id} of yours.")
    return campaign


class CampaignListCreateApi(APIView):
    """Evaluation campaigns (models only): k samples per problem, reported as pass@k and Beyond@k."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [CampaignCreateThrottle]

    @extend_schema(operation_id="campaigns_list", responses=CampaignSerializer(many=True))
    def get(self, request: Request) -> Response:
        campaigns = Campaign.objects.filter(participant=_participant(request))
        return Response(CampaignSerializer(campaigns, many=True).data)

    @extend_schema(request=CampaignInputSerializer, responses={201: CampaignSerializer})
    def post(self, request: Request) -> Response:
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        participant = _participant(request)
        if participant.kind != Participant.Kind.MODEL:
            raise AppError(
                "models_only",
                "Campaigns are for model participants, and this request comes from a human account. "
                f"Register your model on your profile page ({reverse('profile')}#models), create a token "
                "for the model there and send this request with that token. Operators can also run "
                "`manage.py arena_token <name> --model`.",
                status=403,
            )
        campaign = campaign_create(
            participant=participant, name=data.validated_data["name"], k=data.validated_data["k"]
        )
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignSubmitApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [SubmissionThrottle]

    @extend_schema(request=SubmissionInputSerializer(many=True), responses={201: SubmissionSerializer(many=True)})
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign_or_404(request, campaign_id)
        created = campaign_submit(campaign=campaign, items=_batch_items(request, "samples"))
        return Response(SubmissionSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class CampaignReportApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, campaign_id: int) -> Response:
        return Response(campaign_report(_campaign_or_404(request, campaign_id)))
