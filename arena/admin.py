"""Curators' admin: problems, tests, references, participants, submissions, rejudging."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from arena.models import (
    ApiToken,
    CurationTask,
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
from arena.services.curation import cases_expected_refresh, problem_publish
from arena.services.curation_tasks import curation_task_request
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

    def _queue(self, request: HttpRequest, queryset: QuerySet[Problem], kind: str) -> None:
        """Long work runs as a background task (progress and result under "Curation tasks");
        in eager mode it has finished by now and its result is shown at once."""
        for problem in queryset:
            task = curation_task_request(problem=problem, kind=kind, user=request.user)
            task.refresh_from_db()
            if task.status == CurationTask.Status.QUEUED or task.status == CurationTask.Status.RUNNING:
                url = reverse("admin:arena_curationtask_change", args=[task.pk])
                self.message_user(
                    request, format_html("{}: {} queued — <a href='{}'>progress and result</a>",
                                         problem.code, task.get_kind_display(), url),
                )  # fmt: skip
            else:
                level = messages.SUCCESS if task.status == CurationTask.Status.DONE else messages.ERROR
                self.message_user(
                    request, f"{problem.code}: {task.get_kind_display()}: {task.result[:600]}", level=level
                )

    @admin.action(description="Validate (references, fresh generator cases, samples, statement)")
    def validate(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        self._queue(request, queryset, CurationTask.Kind.VALIDATE)

    @admin.action(description="Scale: find performance inputs by doubling the generator scale")
    def scale(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        self._queue(request, queryset, CurationTask.Kind.SCALE)

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

    @admin.action(description="Calibrate references")
    def calibrate(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        self._queue(request, queryset, CurationTask.Kind.CALIBRATE)

    @admin.action(description="Publish (validates first; refused on failure)")
    def publish(self, request: HttpRequest, queryset: QuerySet[Problem]) -> None:
        self._queue(request, queryset, CurationTask.Kind.PUBLISH)

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


@admin.register(CurationTask)
class CurationTaskAdmin(admin.ModelAdmin):
    """Validate, scale, calibrate and publish jobs: queued by the problem actions, run in the background."""

    list_display = ("id", "problem", "kind", "status", "progress_bar", "progress_text", "created_at", "finished_at")
    list_filter = ("kind", "status")
    search_fields = ("problem__code",)
    readonly_fields = ("problem", "kind", "status", "progress_bar", "progress_text", "result_text", "requested_by",
                       "created_at", "started_at", "finished_at")  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Progress")
    def progress_bar(self, task: CurationTask) -> SafeString:
        percent = round(task.progress * 100)
        return format_html("<progress max='100' value='{}' aria-label='{}% done'></progress> {}%", percent, percent,
                           percent)  # fmt: skip

    @admin.display(description="Result")
    def result_text(self, task: CurationTask) -> SafeString:
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", task.result or "—")


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
