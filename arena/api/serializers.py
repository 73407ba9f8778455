"""The API's serializers: the JSON shapes of problems, submissions, cases, leaderboard rows,
tokens and campaigns, shared by the REST views and the MCP server."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from arena.api.fields import StrictCharField, StrictSlugField
from arena.models import Problem, Submission
from arena.rendering import render_statement
from arena.services.languages import problem_languages


class ProblemSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    difficulty = serializers.CharField()
    points = serializers.FloatField()
    tags = serializers.ListField(child=serializers.CharField())
    published_at = serializers.DateTimeField()
    solvers = serializers.IntegerField(required=False)


class LanguageSerializer(serializers.Serializer):
    """A registered language as one problem sees it."""

    key = serializers.CharField(help_text="What a submission's `language` field takes (aliases work too).")
    name = serializers.CharField()
    editor_mode = serializers.CharField(help_text="The CodeMirror 5 mode or MIME type the site's editor uses.")
    available = serializers.BooleanField(help_text="Whether the problem offers it: its signature can be written in it.")
    reason = serializers.CharField(allow_null=True, help_text="Why it is not offered (null when it is).")


class ProblemDetailSerializer(ProblemSummarySerializer):
    statement = serializers.CharField()
    statement_html = serializers.SerializerMethodField()
    signature = serializers.JSONField()
    starter_code = serializers.SerializerMethodField()
    time_limit_ms = serializers.IntegerField()
    memory_limit_kb = serializers.IntegerField()
    checker = serializers.CharField()
    samples = serializers.SerializerMethodField()
    languages = serializers.SerializerMethodField()

    def get_statement_html(self, problem: Problem) -> str:
        return render_statement(problem.statement)

    def get_samples(self, problem: Problem) -> list[dict[str, Any]]:
        return [{"input": c.input, "expected": c.expected} for c in problem.sample_cases()]

    @extend_schema_field(
        {"type": "object", "additionalProperties": {"type": "string"},
         "description": "Starter code of every language the problem offers, by language key."}
    )  # fmt: skip
    def get_starter_code(self, problem: Problem) -> dict[str, str]:
        return {language.key: language.starter for language in problem_languages(problem) if language.available}

    @extend_schema_field(LanguageSerializer(many=True))
    def get_languages(self, problem: Problem) -> list[dict[str, Any]]:
        return [language.public() for language in problem_languages(problem)]


class CaseSerializer(serializers.Serializer):
    ordinal = serializers.IntegerField()
    kind = serializers.CharField()
    verdict = serializers.CharField()
    time_ms = serializers.FloatField()
    memory_kb = serializers.IntegerField()
    message = serializers.CharField()


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    problem = serializers.CharField(source="problem.code")
    participant = serializers.CharField(source="participant.display_name")
    language = serializers.CharField()
    status = serializers.CharField()
    verdict = serializers.CharField()
    message = serializers.CharField()
    cases_done = serializers.IntegerField()
    cases_total = serializers.IntegerField()
    time_ms = serializers.FloatField(allow_null=True)
    memory_kb = serializers.IntegerField(allow_null=True)
    cost = serializers.FloatField(allow_null=True)
    cost_unit = serializers.CharField()
    cost_meter = serializers.CharField()
    cost_detail = serializers.JSONField()
    beyond = serializers.FloatField(allow_null=True)
    dps = serializers.FloatField(allow_null=True)
    dps_norm = serializers.FloatField(allow_null=True)
    es = serializers.FloatField(allow_null=True)
    created_at = serializers.DateTimeField()
    judged_at = serializers.DateTimeField(allow_null=True)
    stream = serializers.SerializerMethodField()

    def get_stream(self, submission: Submission) -> str:
        return f"/ws/submission/{submission.stream_secret}/"


class SubmissionDetailSerializer(SubmissionSerializer):
    cases = CaseSerializer(many=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        # A field called "source" cannot be declared on the class: it would shadow Field.source.
        return {**super().get_fields(), "source": serializers.CharField()}


class SubmissionInputSerializer(serializers.Serializer):
    problem = StrictSlugField()
    language = StrictCharField(max_length=32)

    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), "source": StrictCharField(trim_whitespace=False, allow_blank=True)}


class RunInputSerializer(serializers.Serializer):
    language = StrictCharField(max_length=32)
    inputs = serializers.JSONField(
        required=False, allow_null=True, default=None,
        help_text="Custom inputs (at most 10): each a list of positional arguments or an object keyed by "
        "parameter name. Omitted or null: the problem's samples.",
    )  # fmt: skip

    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), "source": StrictCharField(trim_whitespace=False, allow_blank=True)}


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    name = serializers.CharField()
    username = serializers.CharField(help_text="The participant's public profile is /u/<username>/.")
    kind = serializers.CharField()
    dp = serializers.FloatField()
    solved = serializers.IntegerField()
    pass_rate = serializers.FloatField()
    mean_beyond = serializers.FloatField(allow_null=True)
    mean_dps = serializers.FloatField(allow_null=True)
    mean_es = serializers.FloatField(allow_null=True)
    attempted = serializers.IntegerField()
    solved_by_difficulty = serializers.DictField(child=serializers.IntegerField())


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The plain token: shown this once, only its hash is stored.")


class TokenInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100, required=False, allow_blank=True, default="")


class CampaignInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=120)
    k = serializers.IntegerField(min_value=1, max_value=100)


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    k = serializers.IntegerField()
    created_at = serializers.DateTimeField()
