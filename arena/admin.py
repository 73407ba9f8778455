"""Curators' admin: problems, tests, references, participants, submissions, rejudging."""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from arena.ingest.archive import MAX_UPLOAD_BYTES, bank_zip_import, bank_zip_write
from arena.ingest.spec import ImportOutcome, IngestError
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

# A case's input or expected output larger than this is summarised with a download, never put
# into a page (a bank problem's performance inputs are megabytes of JSON).
INLINE_JSON_CHARS = 20_000


def _json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def _json_summary(value: Any, limit: int = 120) -> str:
    """The JSON's start and its size: ``[[3, 8, 11, 4], 12] (18 B)``."""
    text = json.dumps(value, separators=(", ", ": "))
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"{shown} ({_size_text(len(text))})"


def _size_text(size: int) -> str:
    if size < 10_000:
        return f"{size} B"
    return f"{size / 1024:.0f} KB" if size < 10_000_000 else f"{size / 1048576:.1f} MB"


@admin.register(TestCase)
class TestCaseAdmin(admin.ModelAdmin):
    """Every problem's cases, paginated; large inputs as a summary and a download."""

    list_display = ("__str__", "problem", "ordinal", "kind", "input_summary", "expected_summary")
    list_filter = ("kind", "problem")
    search_fields = ("problem__code",)
    list_select_related = ("problem",)
    list_per_page = 50
    readonly_fields = ("input_download", "expected_summary")

    def get_fields(self, request: HttpRequest, obj: TestCase | None = None) -> tuple[str, ...]:
        if obj is not None and _json_size(obj.input) > INLINE_JSON_CHARS:
            # Too large for a browser: downloaded, replaced by the generator or the bank.
            return ("problem", "ordinal", "kind", "input_download", "expected_summary")
        return ("problem", "ordinal", "kind", "input", "input_download", "expected_summary")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TestCase]:
        return super().get_queryset(request).select_related("problem")

    @admin.display(description="Input")
    def input_summary(self, case: TestCase) -> str:
        return _json_summary(case.input)

    @admin.display(description="Expected (computed by the canonical reference)")
    def expected_summary(self, case: TestCase) -> str:
        return "—" if case.expected is None else _json_summary(case.expected)

    @admin.display(description="Download")
    def input_download(self, case: TestCase) -> SafeString:
        if not case.pk:
            return SafeString("—")
        url = reverse("admin:arena_testcase_download", args=[case.pk])
        size = _size_text(_json_size(case.input))
        return format_html("<a href='{}'>input and expected output as JSON</a> (input: {})", url, size)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:case_id>/download/",
                self.admin_site.admin_view(self.download),
                name="arena_testcase_download",
            )
        ]
        return own + super().get_urls()

    def download(self, request: HttpRequest, case_id: int) -> HttpResponse:
        case = get_object_or_404(TestCase.objects.select_related("problem"), pk=case_id)
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        body = json.dumps({"problem": case.problem.code, "ordinal": case.ordinal, "kind": case.kind,
                           "input": case.input, "expected": case.expected})  # fmt: skip
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{case.problem.code}-{case.ordinal}.json"'
        return response

    def save_model(self, request: HttpRequest, obj: TestCase, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "input" not in form.changed_data:
            return
        # Expected outputs are never typed by hand: the canonical reference computes them.
        failures = cases_expected_refresh(problem=obj.problem, cases=[obj])
        if not failures:
            self.message_user(
                request, f"Expected output computed by the canonical reference: {_json_summary(obj.expected)}"
            )
        for failure in failures:
            self.message_user(request, f"{obj.problem.code}: {failure[:500]}", level=messages.ERROR)
        if failures:
            problem_publish(problem=obj.problem, public=False)


class ReferenceInline(admin.StackedInline):
    model = ReferenceSolution
    extra = 0
    fields = ("label", "is_canonical", "source")


# The argument and return types the judge converts (judge/harness: JSON values, ListNode and
# TreeNode from level-order lists). A problem imported with another type keeps it as a choice.
SIGNATURE_TYPES = (
    "int", "float", "str", "bool",
    "List[int]", "List[float]", "List[str]", "List[bool]",
    "List[List[int]]", "List[List[float]]", "List[List[str]]", "List[List[bool]]",
    "ListNode", "TreeNode", "List[ListNode]",
    "Optional[int]", "Optional[str]", "Dict[str, int]", "Any",
)  # fmt: skip
MAX_PARAMS = 8
CODE_WIDGET = {"class": "code-editor", "rows": 14, "cols": 100, "spellcheck": "false"}


class ProblemForm(forms.ModelForm):
    """The signature as fields (style, name, parameters with types from a list, return type), the
    tags as a comma list, and the code fields in a code editor, instead of raw JSON."""

    signature_style = forms.ChoiceField(
        choices=[("class", "class Solution with a method"), ("function", "a top-level function")], initial="class"
    )
    signature_name = forms.RegexField(
        regex=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64, label="Function or method name",
        error_messages={"invalid": "A Python identifier, e.g. twoSum."},
    )  # fmt: skip
    signature_returns = forms.ChoiceField(label="Return type")
    tags_text = forms.CharField(
        label="Tags", required=False, max_length=500, help_text="Comma-separated, e.g. arrays, hash map."
    )
    starter_py3 = forms.CharField(
        label="Starter code (Python 3)", required=False, strip=False, widget=forms.Textarea(attrs=CODE_WIDGET)
    )

    class Meta:
        model = Problem
        fields = (
            "code", "title", "statement", "difficulty", "points", "published_at", "time_limit_ms",
            "memory_limit_kb", "checker", "checker_source", "float_tolerance", "hidden_feedback",
            "generator_source", "perf_scale", "perf_generation", "origin", "origin_id", "created_at",
        )  # fmt: skip
        widgets = {
            "generator_source": forms.Textarea(attrs=CODE_WIDGET),
            "checker_source": forms.Textarea(attrs=CODE_WIDGET),
        }

    class Media:
        css = {"all": ("vendor/codemirror/lib/codemirror.css",)}
        js = (
            "vendor/codemirror/lib/codemirror.js",
            "vendor/codemirror/mode/python/python.js",
            "frontend/js/admin_code.js",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        signature = self.instance.signature if self.instance.pk and isinstance(self.instance.signature, dict) else {}
        params = [p for p in signature.get("params", []) if isinstance(p, dict)]
        known = list(SIGNATURE_TYPES)
        for extra in [signature.get("returns")] + [p.get("type") for p in params]:
            if isinstance(extra, str) and extra and extra not in known:
                known.append(extra)
        choices = [(name, name) for name in known]
        cast(forms.ChoiceField, self.fields["signature_returns"]).choices = choices
        for index in range(1, MAX_PARAMS + 1):
            cast(forms.ChoiceField, self.fields[f"param_{index}_type"]).choices = [("", "—"), *choices]
        if signature:
            self.initial.update(
                signature_style=signature.get("style", "class"), signature_name=signature.get("name", ""),
                signature_returns=signature.get("returns", "int"),
            )  # fmt: skip
            for index, param in enumerate(params[:MAX_PARAMS], start=1):
                self.initial[f"param_{index}_name"] = param.get("name", "")
                self.initial[f"param_{index}_type"] = param.get("type", "")
        if self.instance.pk:
            self.initial["tags_text"] = ", ".join(str(tag) for tag in (self.instance.tags or []))
            starter = self.instance.starter_code if isinstance(self.instance.starter_code, dict) else {}
            self.initial["starter_py3"] = starter.get("PY3", "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        params = []
        seen: set[str] = set()
        for index in range(1, MAX_PARAMS + 1):
            name, kind = data.get(f"param_{index}_name") or "", data.get(f"param_{index}_type") or ""
            if not name and not kind:
                continue
            if not name or not kind:
                self.add_error(f"param_{index}_name", "Give the parameter both a name and a type.")
                continue
            if name in seen:
                self.add_error(f"param_{index}_name", f"{name!r} is used twice.")
            seen.add(name)
            params.append({"name": name, "type": kind})
        data["signature"] = {
            "style": data.get("signature_style", "class"), "name": data.get("signature_name", ""),
            "params": params, "returns": data.get("signature_returns", "int"),
        }  # fmt: skip
        tags: list[str] = []
        for raw in (data.get("tags_text") or "").split(","):
            tag = " ".join(raw.split())[:40]
            if tag and tag.lower() not in {t.lower() for t in tags}:
                tags.append(tag)
        data["tags"] = tags[:20]
        return data

    def save(self, commit: bool = True) -> Problem:
        problem: Problem = super().save(commit=False)
        problem.signature = self.cleaned_data["signature"]
        problem.tags = self.cleaned_data["tags"]
        starter = dict(problem.starter_code) if isinstance(problem.starter_code, dict) else {}
        starter["PY3"] = self.cleaned_data.get("starter_py3", "")
        problem.starter_code = starter
        if commit:
            problem.save()
            self.save_m2m()
        return problem


for _index in range(1, MAX_PARAMS + 1):
    # Declared after the class (one pair per parameter row), where the admin's form factory looks.
    for _name, _field in (
        (f"param_{_index}_name", forms.RegexField(
            regex=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64, required=False, label=f"Parameter {_index}",
            error_messages={"invalid": "A Python identifier."},
        )),
        (f"param_{_index}_type", forms.ChoiceField(
            choices=[("", "—"), *((name, name) for name in SIGNATURE_TYPES)], required=False, label="type",
        )),
    ):  # fmt: skip
        ProblemForm.base_fields[_name] = ProblemForm.declared_fields[_name] = _field

PARAM_ROWS = tuple((f"param_{i}_name", f"param_{i}_type") for i in range(1, MAX_PARAMS + 1))


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    form = ProblemForm
    fieldsets = (
        (None, {"fields": ("code", "title", "difficulty", "points", "published_at", "tags_text", "is_public",
                           "preview_link")}),
        ("Statement", {"fields": ("statement", "statement_preview")}),
        ("Signature", {"fields": ("signature_style", "signature_name", *PARAM_ROWS, "signature_returns")}),
        ("Code", {"fields": ("starter_py3", "checker", "checker_source", "float_tolerance", "generator_source")}),
        ("Tests and limits", {"fields": ("time_limit_ms", "memory_limit_kb", "hidden_feedback", "perf_scale",
                                         "perf_generation", "cases_summary")}),
        ("Origin", {"fields": ("origin", "origin_id", "bank_hash", "created_at"), "classes": ("collapse",)}),
    )  # fmt: skip
    list_display = ("code", "title", "difficulty", "points", "published_at", "is_public")
    list_filter = ("difficulty", "is_public")
    search_fields = ("code", "title")
    # Published only through the Publish action, which validates first.
    readonly_fields = ("statement_preview", "cases_summary", "bank_hash", "is_public", "preview_link")
    inlines = [ReferenceInline]
    actions = ["validate", "scale", "rotate_performance_inputs", "calibrate", "publish", "unpublish", "rejudge_all",
               "export_bank_zip"]  # fmt: skip

    def save_model(self, request: HttpRequest, obj: Problem, form: Any, change: bool) -> None:
        if not change:
            obj.is_public = False
            self.message_user(
                request, f"{obj.code} is unpublished until it passes validation: use the Publish action.",
                level=messages.WARNING,
            )  # fmt: skip
        super().save_model(request, obj, form, change)

    @admin.display(description="Preview")
    def preview_link(self, problem: Problem) -> SafeString:
        if not problem.pk:
            return SafeString("—")
        return format_html(
            "<a href='{}' target='_blank' rel='noopener'>The problem page, as contestants will see it</a>",
            problem.get_absolute_url(),
        )

    @admin.display(description="Test cases")
    def cases_summary(self, problem: Problem) -> SafeString:
        if not problem.pk:
            return SafeString("Add cases once the problem is saved.")
        counts = {kind: 0 for kind in TestCase.Kind.values}
        for kind in problem.cases.values_list("kind", flat=True):
            counts[kind] = counts.get(kind, 0) + 1
        url = reverse("admin:arena_testcase_changelist") + f"?problem__id__exact={problem.pk}"
        add = reverse("admin:arena_testcase_add") + f"?problem={problem.pk}"
        text = ", ".join(f"{count} {kind}" for kind, count in counts.items())
        return format_html("{} — <a href='{}'>view and edit them</a> · <a href='{}'>add one</a>", text, url, add)

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

    @admin.action(description="Export as bank folder (zip)", permissions=["view"])
    def export_bank_zip(self, request: HttpRequest, queryset: QuerySet[Problem]) -> HttpResponse | None:
        problems = list(queryset.order_by("code"))
        try:
            data = bank_zip_write(problems=problems)
        except IngestError as exc:
            self.message_user(request, f"Nothing exported: {exc}", level=messages.ERROR)
            return None
        name = f"{problems[0].code}.zip" if len(problems) == 1 else f"bank-folders-{len(problems)}.zip"
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def get_urls(self) -> list[URLPattern]:
        own = [path("import-zip/", self.admin_site.admin_view(self.import_zip), name="arena_problem_import_zip")]
        return own + super().get_urls()

    def import_zip(self, request: HttpRequest) -> HttpResponse:
        """Upload bank folders as a zip; they are saved unpublished (see arena/ingest/archive.py)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BankZipForm(request.POST or None, request.FILES or None)
        outcomes: list[ImportOutcome] = []
        if request.method == "POST" and form.is_valid():
            try:
                outcomes = bank_zip_import(upload=form.cleaned_data["archive"])
            except IngestError as exc:
                form.add_error("archive", str(exc))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import bank folder (zip)",
            "form": form,
            "outcomes": outcomes,
            "saved": [o for o in outcomes if o.status in ("imported", "updated")],
        }
        return TemplateResponse(request, "admin/arena/problem/import_zip.html", context)


class BankZipForm(forms.Form):
    archive = forms.FileField(
        label="Zip file",
        help_text="One folder per problem, <code>/problem.toml and the rest, as the export action writes them "
        f"(at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB).",
    )

    def clean_archive(self) -> Any:
        upload = self.cleaned_data["archive"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {_size_text(upload.size)}; at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB is accepted."
            )
        return upload


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
