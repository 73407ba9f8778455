"""Curators' admin: problems, tests, references, participants, submissions, rejudging."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from arena.models import (
    ApiToken,
    LeaderboardSnapshot,
    Participant,
    Problem,
    ReferenceCost,
    ReferenceSolution,
    Submission,
    SubmissionCase,
    TestCase,
)
from arena.rendering import render_statement
from arena.services.curation import (
    cases_expected_refresh,
    problem_calibrate,
    problem_publish,
    problem_scale,
    problem_validate,
)
from arena.services.rotation import performance_inputs_rotate
from arena.services.submissions import submission_rejudge


class TestCaseInline(admin.TabularInline):
    model = TestCase
    extra = 0
    fields = ("ordinal", "kind", "input", "expected")
    # Expected outputs come from the canonical reference run in the sandbox (ProblemAdmin.save_formset).
    readonly_fields = ("expected",)


class ReferenceInline(admin.StackedInline):
    model = ReferenceSolution
    extra = 0
    fields = ("label", "is_canonical", "source")


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "difficulty", "points", "published_at", "is_public")
    list_filter = ("difficulty", "is_public")
    search_fields = ("code", "title")
    # Published only through the Publish action, which validates first.
    readonly_fields = ("statement_preview", "bank_hash", "is_public")
    inlines = [ReferenceInline, TestCaseInline]
    actions = ["validate", "scale", "rotate_performance_inputs", "calibrate", "publish", "unpublish", "rejudge_all"]

    def save_model(self, request: HttpRequest, obj: Problem, form: Any, change: bool) -> None:
        if not change:
            obj.is_public = False
            self.message_user(
                request, f"{obj.code} is unpublished until it passes validation: use the Publish action.",
                level=messages.WARNING,
            )  # fmt: skip
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is not TestCase:
            return
        # Inlines are saved in order (references first), so the canonical is the one just saved.
        edited = [case for case in formset.new_objects] + [case for case, _ in formset.changed_objects]
        failures = cases_expected_refresh(problem=form.instance, cases=edited)
        if edited and not failures:
            self.message_user(request, f"{len(edited)} expected output(s) computed by the canonical reference.")
        for failure in failures:
            self.message_user(request, f"{form.instance.code}: {failure[:500]}", level=messages.ERROR)
        if failures:
            problem_publish(problem=form.instance, public=False)

    @admin.display(description="Statement preview")
    def statement_preview(self, problem: Problem) -> SafeString:
        return format_html("<div class='statement'>{}</div>", SafeString(render_statement(problem.statement)))

    @admin.action(description="Validate (references, fresh generator cases, samples, statement)")
    def validate(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        for problem in queryset:
            report = problem_validate(problem=problem, seeds=2)
            if report.failures:
                problem_publish(problem=problem, public=False)
                self.message_user(
                    request, f"{problem.code}: rejected and unpublished — {'; '.join(report.failures)[:500]}",
                    level=messages.ERROR,
                )  # fmt: skip
            else:
                self.message_user(
                    request,
                    f"{problem.code}: ok — {report.cases} cases, {report.references} references, "
                    f"slowest/fastest {report.ratio:.1f}x",
                )

    @admin.action(description="Scale: find performance inputs by doubling the generator scale")
    def scale(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        for problem in queryset:
            report = problem_scale(problem=problem)  # the configured meter, default bounds
            self.message_user(request, f"{problem.code}: scale {report.scale} ({report.stopped_because})")

    @admin.action(description="Rotate the secret performance inputs (then calibrate)")
    def rotate_performance_inputs(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        for problem in queryset:
            report = performance_inputs_rotate(problem=problem)
            if report.failure:
                self.message_user(request, f"{problem.code}: {report.failure[:500]}", level=messages.ERROR)
            elif report.skipped:
                self.message_user(request, f"{problem.code}: skipped — {report.skipped}", level=messages.WARNING)
            else:
                self.message_user(
                    request,
                    f"{problem.code}: generation {report.old_generation} → {report.generation}, "
                    f"{report.inputs} inputs at scale {report.scale}; {report.costs_dropped} reference cost(s) "
                    "dropped, calibrate again",
                )

    @admin.action(description="Calibrate references on this judge host")
    def calibrate(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        for problem in queryset:
            report = problem_calibrate(problem=problem)
            costs = ", ".join(f"{r['cost']:.1f} {r['unit']} (cluster {r['cluster']})" for r in report.rows)
            self.message_user(request, f"{problem.code} on {report.host}: {costs}")
            for failure in report.failures:
                self.message_user(request, f"{problem.code}: {failure}", level=messages.WARNING)

    @admin.action(description="Publish (validates first; refused on failure)")
    def publish(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        published = 0
        for problem in queryset:
            outcome = problem_publish(problem=problem, public=True)
            if outcome.failures:
                self.message_user(
                    request, f"{problem.code}: not published, validation failed — {'; '.join(outcome.failures)[:500]}",
                    level=messages.ERROR,
                )  # fmt: skip
            else:
                published += outcome.changed
        self.message_user(request, f"{published} problem(s) published.")

    @admin.action(description="Unpublish")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        count = sum(problem_publish(problem=problem, public=False).changed for problem in queryset)
        self.message_user(request, f"{count} problem(s) unpublished.")

    @admin.action(description="Rejudge every finished submission")
    def rejudge_all(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        count = sum(
            submission_rejudge(submission=s)
            for s in Submission.objects.filter(problem__in=queryset, status=Submission.Status.DONE)
        )
        self.message_user(request, f"{count} submission(s) queued for rejudging.")


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("display_name", "kind", "organisation", "training_cutoff", "created_at")
    list_filter = ("kind",)
    search_fields = ("display_name", "user__username")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "participant", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")


class SubmissionCaseInline(admin.TabularInline):
    model = SubmissionCase
    extra = 0
    can_delete = False
    readonly_fields = ("ordinal", "kind", "verdict", "time_ms", "memory_kb", "message")


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "problem",
        "participant",
        "status",
        "verdict",
        "time_ms",
        "memory_kb",
        "cost",
        "es",
        "created_at",
    )
    list_filter = ("status", "verdict", "language", "problem__difficulty")
    search_fields = ("participant__display_name", "problem__code")
    readonly_fields = tuple(f.name for f in Submission._meta.fields)
    inlines = [SubmissionCaseInline]
    actions = ["rejudge"]

    @admin.action(description="Rejudge selected submissions")
    def rejudge(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        count = sum(submission_rejudge(submission=s) for s in queryset)
        skipped = queryset.count() - count
        self.message_user(request, f"{count} submission(s) queued for rejudging.")
        if skipped:
            self.message_user(request, f"{skipped} skipped: still being judged.", level=messages.WARNING)


@admin.register(ReferenceCost)
class ReferenceCostAdmin(admin.ModelAdmin):
    list_display = ("reference", "host", "meter", "cost", "unit", "measured_at")


admin.site.register(LeaderboardSnapshot)
