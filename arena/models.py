"""The arena's data: participants and their tokens, problems and tests, submissions, standings."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class Participant(models.Model):
    class Kind(models.TextChoices):
        HUMAN = "human", "Human"
        MODEL = "model", "Model"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participant")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.HUMAN)
    display_name = models.CharField(max_length=100)
    organisation = models.CharField(max_length=100, blank=True)
    parameter_count = models.CharField(max_length=32, blank=True, help_text="e.g. 7B, 70B; free text")
    homepage = models.URLField(blank=True)
    training_cutoff = models.DateField(null=True, blank=True)
    open_data_opt_in = models.BooleanField(default=False, help_text="Publish my name with my accepted solutions.")
    # The person who registered this model from the web and manages its tokens; models made by
    # operators (manage.py arena_token --model) have none.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="owned_models", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.display_name} ({self.kind})"


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the plain token is shown once at creation."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to tell tokens apart.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.participant.display_name})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class Language(models.TextChoices):
    """The languages of judge/languages/ (one module each; tests/judge/languages checks they agree)."""

    PY3 = "PY3", "Python 3"
    CPP17 = "CPP17", "C++17"
    JAVA17 = "JAVA17", "Java 17"
    JS = "JS", "JavaScript (Node.js)"
    GO = "GO", "Go"
    RUST = "RUST", "Rust"


def _unix_newlines(text: Any) -> Any:
    return text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(text, str) else text


class Problem(models.Model):
    class Difficulty(models.TextChoices):
        EASY = "easy", "Easy"
        MEDIUM = "medium", "Medium"
        HARD = "hard", "Hard"

    class HiddenFeedback(models.TextChoices):
        # What a failing hidden test's message may say (samples always show everything,
        # performance inputs only ever the verdict).
        ERROR_TYPE = "error-type", "The verdict and a built-in exception's name"
        VERDICT = "verdict", "The verdict only"

    class Checker(models.TextChoices):
        EXACT = "exact", "Exact match"
        FLOAT = "float", "Float tolerance"
        UNORDERED = "unordered", "Unordered list"
        CUSTOM = "custom", "Custom evaluate()"

    code = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text="Markdown; sanitised when rendered.")
    difficulty = models.CharField(max_length=8, choices=Difficulty.choices)
    points = models.FloatField(help_text="Base points shared by everyone who solves it.")
    published_at = models.DateTimeField(default=timezone.now)
    is_public = models.BooleanField(default=True)
    tags = models.JSONField(default=list, blank=True)
    time_limit_ms = models.PositiveIntegerField(default=2000, help_text="CPU time per test case.")
    memory_limit_kb = models.PositiveIntegerField(default=256 * 1024)
    signature = models.JSONField(
        help_text='{"style": "class"|"function", "name": "twoSum", '
        '"params": [{"name": "nums", "type": "List[int]"}], "returns": "List[int]"}'
    )
    starter_code = models.JSONField(default=dict, help_text="Language key → starter source.")
    checker = models.CharField(max_length=16, choices=Checker.choices, default=Checker.EXACT)
    checker_source = models.TextField(blank=True, help_text="For custom: def evaluate(args, output, expected) -> bool")
    float_tolerance = models.FloatField(default=1e-6)
    hidden_feedback = models.CharField(
        max_length=16,
        choices=HiddenFeedback.choices,
        default=HiddenFeedback.ERROR_TYPE,
        help_text="What a failing hidden test tells its author.",
    )
    generator_source = models.TextField(blank=True, help_text="def generate(rng, scale) -> list of arguments")
    perf_scale = models.PositiveIntegerField(default=0, help_text="Generator scale of the performance inputs.")
    perf_generation = models.PositiveIntegerField(
        default=1,
        help_text="Which secret draw the performance inputs are; rotating them increments it.",
    )
    bank_hash = models.CharField(
        max_length=64, blank=True, help_text="Hash of the fixture folder or imported record it was loaded from."
    )
    origin = models.CharField(
        max_length=16, default="bank", help_text="Where it came from: bank, admin, mercury, humaneval, open-data."
    )
    origin_id = models.CharField(max_length=200, blank=True, help_text="Its id there (e.g. HumanEval/0).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Browsers post textareas with CRLF line ends; the statement, the curator's code and the
        # starter code are stored with "\n" whichever way they came in.
        for name in ("statement", "checker_source", "generator_source"):
            setattr(self, name, _unix_newlines(getattr(self, name)))
        if isinstance(self.starter_code, dict):
            self.starter_code = {key: _unix_newlines(value) for key, value in self.starter_code.items()}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        # The contestants' page; curators see an unpublished problem there as a preview.
        return f"/problem/{self.code}/"

    @property
    def is_published(self) -> bool:
        """Visible to contestants: public and past its publication time (as the selectors filter)."""
        return self.is_public and self.published_at <= timezone.now()

    def sample_cases(self) -> models.QuerySet[TestCase]:
        return self.cases.filter(kind=TestCase.Kind.SAMPLE).order_by("ordinal")

    def canonical_reference(self) -> ReferenceSolution | None:
        return self.references.filter(is_canonical=True, language=Language.PY3).first()


class TestCase(models.Model):
    class Kind(models.TextChoices):
        SAMPLE = "sample", "Sample"
        HIDDEN = "hidden", "Hidden"
        PERFORMANCE = "performance", "Performance"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="cases")
    ordinal = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    input = models.JSONField(help_text="List of positional arguments.")
    expected = models.JSONField(null=True, help_text="Output of the canonical reference solution.")

    class Meta:
        ordering = ["problem", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["problem", "ordinal"], name="unique_case_ordinal")]

    def __str__(self) -> str:
        return f"{self.problem.code}#{self.ordinal} ({self.kind})"


class ReferenceSolution(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="references")
    label = models.CharField(max_length=255)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.PY3)
    source = models.TextField()
    # The problem's canonical answer in its language (one per language; Python's defines the outputs).
    is_canonical = models.BooleanField(default=False)

    class Meta:
        ordering = ["problem", "id"]

    def __str__(self) -> str:
        return f"{self.problem.code}: {self.label}"


class ReferenceCost(models.Model):
    """A reference solution's cost on one judge host with one meter (per-host calibration)."""

    reference = models.ForeignKey(ReferenceSolution, on_delete=models.CASCADE, related_name="costs")
    host = models.CharField(max_length=128)
    meter = models.CharField(max_length=32)
    unit = models.CharField(max_length=16)
    cost = models.FloatField()
    environment = models.CharField(max_length=64, help_text="Interpreter and meter fingerprint.")
    samples = models.JSONField(default=list, blank=True, help_text="Every repeat, before the robust statistic.")
    cluster = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0 = slowest cluster.")
    cumulative_share = models.FloatField(null=True, blank=True)
    measured_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reference", "host", "meter"], name="unique_reference_cost"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} on {self.host}: {self.cost:.2f} {self.unit}"


class Campaign(models.Model):
    """An evaluation campaign: a model submits k samples per problem; reported as pass@k and
    Beyond@k, never counted on the single-attempt leaderboard."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=120)
    k = models.PositiveSmallIntegerField(help_text="Samples per problem.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} (k={self.k}, {self.participant.display_name})"


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "QU", "Queued"
        PROCESSING = "P", "Processing"
        GRADING = "G", "Grading"
        DONE = "D", "Done"

    class Verdict(models.TextChoices):
        AC = "AC", "Accepted"
        WA = "WA", "Wrong Answer"
        TLE = "TLE", "Time Limit Exceeded"
        MLE = "MLE", "Memory Limit Exceeded"
        RTE = "RTE", "Runtime Error"
        OLE = "OLE", "Output Limit Exceeded"
        CE = "CE", "Compile Error"
        IE = "IE", "Internal Error"

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="submissions")
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="submissions")
    language = models.CharField(max_length=8, choices=Language.choices)
    source = models.TextField()
    status = models.CharField(max_length=2, choices=Status.choices, default=Status.QUEUED, db_index=True)
    verdict = models.CharField(max_length=3, choices=Verdict.choices, blank=True)
    message = models.TextField(blank=True)
    cases_total = models.PositiveIntegerField(default=0)
    cases_done = models.PositiveIntegerField(default=0)
    time_ms = models.FloatField(null=True, blank=True)
    memory_kb = models.PositiveIntegerField(null=True, blank=True)
    cost = models.FloatField(null=True, blank=True, help_text="Efficiency measurement on the performance inputs.")
    cost_unit = models.CharField(max_length=16, blank=True)
    cost_meter = models.CharField(max_length=32, blank=True)
    cost_environment = models.CharField(
        max_length=64, blank=True, help_text="The meter's fingerprint: only costs with the same one are compared."
    )
    cost_detail = models.JSONField(
        default=dict,
        blank=True,
        help_text="How the cost was arrived at: the plain measurement and, when it was measured again "
        "beside the nearest reference, that reference, its costs then and now, and the ratio.",
    )
    beyond = models.FloatField(null=True, blank=True)
    dps = models.FloatField(null=True, blank=True)
    dps_norm = models.FloatField(null=True, blank=True)
    es = models.FloatField(null=True, blank=True)
    judge_host = models.CharField(max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times a judge picked it up.")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="submissions",
        help_text="Set for campaign samples, which never count on the leaderboard.",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    judging_started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the judge that holds it (every few seconds)."
    )
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["problem", "verdict"]), models.Index(fields=["participant", "problem"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.problem.code} {self.verdict or self.status}"

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.DONE

    @staticmethod
    def _mac(submission_id: int) -> str:
        key = settings.SECRET_KEY.encode()
        return hmac.new(key, f"submission:{submission_id}".encode(), hashlib.sha256).hexdigest()[:32]

    @property
    def stream_secret(self) -> str:
        """``<id>-<HMAC of the id>``: knowing it is what lets a client follow the live events."""
        return f"{self.pk}-{self._mac(self.pk)}"

    @classmethod
    def id_from_stream_secret(cls, secret: str) -> int | None:
        raw_id, _, mac = secret.partition("-")
        if not raw_id.isdigit() or len(raw_id) > 18:
            return None
        return int(raw_id) if hmac.compare_digest(cls._mac(int(raw_id)), mac) else None


class SubmissionCase(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="cases")
    ordinal = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=TestCase.Kind.choices)
    verdict = models.CharField(max_length=3, choices=Submission.Verdict.choices)
    time_ms = models.FloatField(default=0)
    memory_kb = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["submission", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["submission", "ordinal"], name="unique_submission_case")]

    def __str__(self) -> str:
        return f"#{self.submission_id} case {self.ordinal}: {self.verdict}"

    def as_event(self) -> dict[str, Any]:
        return {
            "ordinal": self.ordinal,
            "kind": self.kind,
            "verdict": self.verdict,
            "time_ms": round(self.time_ms, 2),
            "memory_kb": self.memory_kb,
            "message": self.message,
        }


class Standing(models.Model):
    """A participant's counted result on one problem, kept up to date on every verdict.

    Which submission counts: a model's first judged one (pass@1), a human's best accepted one.
    One verdict touches one row here, so leaderboards never rescan all submissions.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="standings")
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="standings")
    submission = models.ForeignKey(Submission, on_delete=models.SET_NULL, null=True, related_name="+")
    solved = models.BooleanField(default=False)
    language = models.CharField(max_length=8, blank=True)
    es = models.FloatField(null=True)
    beyond = models.FloatField(null=True)
    dps = models.FloatField(null=True)
    attempts = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "problem"], name="unique_standing")]
        indexes = [models.Index(fields=["problem", "solved"])]

    def __str__(self) -> str:
        return f"{self.participant.display_name} on {self.problem.code}: {'solved' if self.solved else 'unsolved'}"


class LeaderboardSnapshot(models.Model):
    taken_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=8, default="all")
    rows = models.JSONField()

    class Meta:
        ordering = ["-taken_at"]

    def __str__(self) -> str:
        return f"{self.kind} standings at {self.taken_at:%Y-%m-%d %H:%M}"


class CurationTask(models.Model):
    """A curator's long job on one problem (validate, scale, calibrate, publish), run in the
    background with its progress and result shown in the admin: never inside a web request."""

    class Kind(models.TextChoices):
        VALIDATE = "validate", "Validate"
        SCALE = "scale", "Scale"
        CALIBRATE = "calibrate", "Calibrate"
        PUBLISH = "publish", "Validate, then publish"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"  # the task found problems (or crashed): see the result

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="curation_tasks")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.FloatField(default=0.0, help_text="0..1")
    progress_text = models.CharField(max_length=200, blank=True)
    result = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.problem.code} ({self.status})"
