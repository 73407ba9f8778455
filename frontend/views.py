"""Pages for humans. Thin: parse the request, call one arena selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arena.errors import AppError
from arena.models import Participant, Problem, Submission
from arena.rendering import render_statement
from arena.selectors import plots
from arena.selectors.campaigns import campaign_access, campaign_report
from arena.selectors.leaderboard import LeaderboardFilters, leaderboard_filters_from, leaderboard_rows
from arena.selectors.participants import (
    owned_model_access,
    owned_models,
    participant_public_get,
    participant_public_profile,
    token_access,
)
from arena.selectors.problems import problem_get, problem_list
from arena.selectors.submissions import access_submission, submission_list, submission_state
from arena.services.calibration import measurement_host
from arena.services.languages import (
    PYTHON,
    ProblemLanguage,
    language_choices,
    language_display,
    problem_languages,
)
from arena.services.participants import (
    MODELS_PER_OWNER_MAX,
    model_create,
    participant_create,
    participant_for_user,
    token_create,
    token_revoke,
)
from arena.services.submissions import submission_create
from arena.services.throttling import SIGNUP, SUBMIT, TOKEN_CREATE, Throttled, client_ip, throttle_take
from frontend.editor_modes import mode_scripts
from frontend.forms import LiveCostForm, LoginForm, ModelCreateForm, SignUpForm, SubmitForm, TokenCreateForm
from frontend.templatetags.arena_ui import STATUS_LABELS

SUBMISSIONS_PER_PAGE = 50
SCORE_LABELS = (("beyond", "Beyond"), ("dps", "DPS"), ("dps_norm", "DPS norm."), ("es", "ES"))
LEADERBOARD_KINDS = {"all": "Everyone", Participant.Kind.HUMAN: "Humans", Participant.Kind.MODEL: "Models"}


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


class LoginView(auth_views.LoginView):
    """Django's log-in page with LoginForm's lockout; a locked-out attempt is answered 429."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if isinstance(form, LoginForm) and form.locked_out is not None:
            response.status_code = 429
        return response


@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("problem-list")
    form = SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            throttle_take(SIGNUP, account=None, ip=client_ip(request))
            participant = participant_create(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                kind=Participant.Kind.HUMAN,
            )
        except Throttled as exc:
            form.add_error(None, exc.message)
            status = 429
        except IntegrityError:  # someone took the name between validation and insert
            form.add_error("username", "That username is taken.")
        else:
            login(request, participant.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request, reverse("problem-list")))
    # Kept through a form with errors: the POST carries it in its hidden field, not in the URL.
    context = {"form": form, "next": _safe_next(request, "")}
    return render(request, "frontend/signup.html", context, status=status)


@require_GET
def problem_list_view(request: HttpRequest) -> HttpResponse:
    difficulty = request.GET.get("difficulty", "")
    if difficulty not in Problem.Difficulty.values:
        difficulty = ""
    search = request.GET.get("search", "").strip()[:100]
    tag = request.GET.get("tag", "").strip()[:50]
    problems = problem_list(difficulty=difficulty, search=search, tag=tag)
    solved: set[str] = set()
    if request.user.is_authenticated:
        solved = set(
            submission_list(participant=participant_for_user(request.user))
            .filter(verdict=Submission.Verdict.AC)
            .values_list("problem__code", flat=True)
        )
    return render(
        request,
        "frontend/problem_list.html",
        {
            "problems": problems,
            "solved": solved,
            "difficulties": Problem.Difficulty.choices,
            "difficulty": difficulty,
            "search": search,
            "tag": tag,
        },
    )


@require_http_methods(["GET", "POST"])
def problem_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    problem = problem_get(code)
    preview = False
    if problem is None and request.user.is_staff:
        # Curators preview an unpublished problem exactly as contestants will see it (no submitting).
        problem = Problem.objects.filter(code=code).first()
        preview = problem is not None
    if problem is None:
        raise Http404(f"No problem {code!r}.")
    error = ""
    status = 200
    languages = problem_languages(problem)
    if request.method == "POST" and preview:
        raise Http404("An unpublished problem takes no submissions.")
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        form = SubmitForm(request.POST)
        if form.is_valid():
            try:
                throttle_take(SUBMIT, account=str(request.user.pk), ip=client_ip(request))
                submission = submission_create(
                    participant=participant_for_user(request.user),
                    problem=problem,
                    language=form.cleaned_data["language"],
                    source=form.cleaned_data["source"],
                )
            except AppError as exc:
                # Re-render with the user's code still in the editor: losing it would be worse than the error.
                error, status = exc.message, exc.status
            else:
                return redirect("submission-detail", submission_id=submission.pk)
        else:
            status = 400
    else:
        form = SubmitForm(initial=_editor_initial(request, problem, languages))
    offered = [language for language in languages if language.available]
    recent: list[Submission] = []
    if request.user.is_authenticated:
        recent = list(submission_list(participant=participant_for_user(request.user), problem_code=problem.code)[:5])
    context = {
        "problem": problem,
        "cost_plot": plots.problem_cost_distribution(problem=problem, host=measurement_host()),
        "statement_html": render_statement(problem.statement),
        "samples": list(problem.sample_cases()),
        "form": form,
        "error": error,
        "recent": recent,
        "preview": preview,
        "languages": languages,
        "offered": offered,
        "unavailable": [language for language in languages if not language.available],
        "selected_language": form["language"].value() or PYTHON,
        # For editor.js: each offered language's CodeMirror mode and starter code.
        "editor_languages": {
            language.key: {
                "name": language.name,
                "mode": language.editor_mode,
                "starter": language.starter,
            }
            for language in offered
        },
        "mode_scripts": mode_scripts(language.editor_mode for language in offered),
    }
    return render(request, "frontend/problem_detail.html", context, status=status)


def _editor_initial(request: HttpRequest, problem: Problem, languages: list[ProblemLanguage]) -> dict[str, str]:
    """Python's starter code, or the source of one of the user's own submissions (``?from=<id>``).
    editor.js then opens the language this browser used last, with the code it kept for it."""
    offered = {language.key: language for language in languages if language.available}
    from_id = request.GET.get("from", "")
    if from_id.isdigit() and len(from_id) <= 18 and request.user.is_authenticated:
        previous = access_submission(request.user, int(from_id))
        if previous is not None and previous.problem_id == problem.pk:
            return {"language": previous.language, "source": previous.source}
    first = offered.get(PYTHON) or next(iter(offered.values()), None)
    if first is None:
        return {"language": PYTHON, "source": ""}
    return {"language": first.key, "source": first.starter}


@login_required
@require_GET
def submission_detail_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = access_submission(request.user, submission_id)
    if submission is None:
        raise Http404("No such submission of yours.")
    state = submission_state(submission)
    language_name, editor_mode = language_display(submission.language)
    context = {
        "submission": submission,
        "language_name": language_name,
        "editor_mode": editor_mode,
        "mode_scripts": mode_scripts([editor_mode]),
        "cost_plot": plots.submission_cost_distribution(submission=submission),
        "state": state,
        "scores": [(key, label, state["scores"].get(key)) for key, label in SCORE_LABELS],
        "verdict_labels": dict(Submission.Verdict.choices),
        "status_labels": STATUS_LABELS,
        "stream_path": f"/ws/submission/{submission.stream_secret}/",
        "poll_url": reverse("api-submission-state", kwargs={"submission_id": submission.pk}),
        "pool_note": _pool_note(submission, language_name),
    }
    return render(request, "frontend/submission_detail.html", context)


def _pool_note(submission: Submission, language_name: str) -> str:
    """Which scores a language's solution gets: its pool is its language's (docs/languages.md)."""
    if submission.language == PYTHON:
        return ""
    note = f"{language_name} solutions are compared with {language_name} solutions only. ES ranks them from the first"
    if submission.problem.references.filter(language=submission.language).exists():
        note = f"{note} accepted one; Beyond and DPS use this problem's {language_name} references."
    else:
        note = f"{note} accepted one; Beyond and DPS need {language_name} references"
        note = f"{note}, which this problem does not have yet."
    meter = METER_NAMES.get(submission.cost_meter)
    return f"{note} Cost meter: {meter}." if meter else note


# How the submission page names the meter of a language's pool (docs/languages.md).
METER_NAMES = {
    "cpu": "CPU time (its noise is shown with the cost)",
    "instructions": "retired instructions, counted by the processor's PMU outside the program",
    "valgrind": "instructions counted by valgrind",
}


@login_required
@require_GET
def submission_cost_plot_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The submission page's chart as JSON, fetched when the cost arrives live (no reload)."""
    submission = access_submission(request.user, submission_id)
    if submission is None:
        raise Http404("No such submission of yours.")
    live = LiveCostForm(request.GET)
    figure = plots.submission_cost_distribution(
        submission=submission, live=plots.LiveCost(**live.cleaned_data) if live.is_valid() else None
    )
    # The figure is JSON already: embedded as it is rather than parsed and dumped again.
    return HttpResponse(f'{{"figure": {figure or "null"}}}', content_type="application/json")


@login_required
@require_GET
def submission_list_view(request: HttpRequest) -> HttpResponse:
    submissions = submission_list(
        participant=participant_for_user(request.user), problem_code=request.GET.get("problem", "")
    )
    page = Paginator(submissions, SUBMISSIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "frontend/submission_list.html", {"page": page, "problem_code": request.GET.get("problem", "")}
    )


@require_GET
def leaderboard_view(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "all")
    if kind not in LEADERBOARD_KINDS:
        kind = "all"
    error = ""
    try:
        filters = leaderboard_filters_from({**request.GET.dict(), "kind": kind})
    except AppError as exc:
        error, filters = exc.message, LeaderboardFilters(kind=kind)
    rows = leaderboard_rows(filters=filters)
    figures = [
        ("plot-dp", "Dynamic Points over time", plots.dp_over_time(kind=kind)),
        ("plot-pass-beyond", "Pass rate against mean Beyond", plots.pass_vs_beyond(rows)),
        ("plot-acceptance", "Acceptance rate by difficulty", plots.acceptance_by_difficulty()),
    ]
    context = {
        "rows": rows,
        "plots": figures,
        "has_plots": any(figure for _, _, figure in figures),
        "kind": kind,
        "kinds": LEADERBOARD_KINDS.items(),
        "difficulties": Problem.Difficulty.values,
        "languages": language_choices(),
        "language": filters.language,
        "params": request.GET,
        "error": error,
    }
    return render(request, "frontend/leaderboard.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    """Your tokens, your campaigns, and the models you registered with theirs.

    Three forms post here, told apart by ``action``: ``token`` (a token of your own), ``model``
    (register a model) and ``model-token`` (a token for one of your models).
    """
    participant = participant_for_user(request.user)
    action = request.POST.get("action", "token") if request.method == "POST" else ""
    form = TokenCreateForm(request.POST if action == "token" else None)
    model_form = ModelCreateForm(request.POST if action == "model" else None, prefix="model")
    new_token, model_id, model_error = "", 0, ""
    status = 200
    if action == "token" and form.is_valid():
        new_token, error = _token_create_throttled(request, participant, form.cleaned_data["name"])
        if error:
            form.add_error(None, error)
            status = 429
        else:
            form = TokenCreateForm()
    elif action == "model" and model_form.is_valid():
        try:
            throttle_take(TOKEN_CREATE, account=str(request.user.pk), ip=client_ip(request))
            created = model_create(owner=participant.user, **model_form.cleaned_data)
        except AppError as exc:
            model_form.add_rejection(exc)
            status = exc.status
        else:
            messages.success(request, f"Model “{created.display_name}” registered. Create a token for it below.")
            return redirect(reverse("profile") + "#models")
    elif action == "model-token":
        model = owned_model_access(request.user, _int_or_zero(request.POST.get("model")))
        if model is None:
            raise Http404("No such model of yours.")
        model_id, model_token_form = model.pk, TokenCreateForm(request.POST)
        if not model_token_form.is_valid():
            model_error, status = " ".join(str(error) for error in model_token_form.errors["name"]), 400
        else:
            new_token, model_error = _token_create_throttled(request, model, model_token_form.cleaned_data["name"])
            status = 429 if model_error else 200
    elif request.method == "POST":
        status = 400
    context = {
        "participant": participant,
        "tokens": participant.tokens.order_by("-id"),
        "campaigns": participant.campaigns.order_by("-id")[:50],
        "form": form,
        "model_form": model_form,
        "models": owned_models(participant.user),
        "models_max": MODELS_PER_OWNER_MAX,
        # The plain token goes straight into this response and nowhere else (not the session,
        # not a flash message cookie): only its hash is ever stored.
        "new_token": "" if model_id else new_token,
        "new_model_token": new_token if model_id else "",
        "model_id": model_id,  # the model whose token form was sent
        "model_error": model_error,
    }
    return render(request, "frontend/profile.html", context, status=status)


def _token_create_throttled(request: HttpRequest, participant: Participant, name: str) -> tuple[str, str]:
    """The plain new token and "", or "" and why none was made."""
    try:
        throttle_take(TOKEN_CREATE, account=str(request.user.pk), ip=client_ip(request))
    except Throttled as exc:
        return "", exc.message
    return token_create(participant=participant, name=name)[1], ""


def _int_or_zero(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else 0


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = token_access(request.user, token_id)
    if token is None:
        raise Http404("No such token of yours.")
    token_revoke(token=token)
    messages.success(request, f"Token {token.prefix}… revoked; it no longer authenticates.")
    return redirect(reverse("profile") + ("#models" if token.participant.user_id != request.user.pk else ""))


@login_required
@require_GET
def campaign_detail_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_access(request.user, campaign_id)
    if campaign is None:
        raise Http404("No such campaign of yours.")
    report = campaign_report(campaign)
    keys = [f"{metric}@{k}" for k in sorted({1, campaign.k}) for metric in ("pass", "beyond", "dps")]
    context = {
        "report": report,
        "metric_keys": keys,
        "overall_values": [report["overall"][key] for key in keys],
        "difficulty_rows": [
            (difficulty, [values[key] for key in keys], values["problems"])
            for difficulty, values in report["per_difficulty"].items()
        ],
        "problem_rows": [(row, [row[key] for key in keys]) for row in report["problems"]],
    }
    return render(request, "frontend/campaign_detail.html", context)


@require_GET
def participant_profile_view(request: HttpRequest, username: str) -> HttpResponse:
    participant = participant_public_get(username)
    if participant is None:
        raise Http404(f"No participant {username!r}.")
    profile = participant_public_profile(participant)
    return render(
        request,
        "frontend/participant_profile.html",
        {"profile": profile, "participant": participant, "is_me": participant.user_id == request.user.pk},
    )
