"""Forms of the web UI. They only parse and validate input; writes go through arena services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import UnicodeUsernameValidator

from arena.errors import AppError
from arena.services.languages import PYTHON, language_choices
from arena.services.throttling import Throttled, client_ip, login_attempt_start, login_attempt_succeeded


class SignUpForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not too common, not like your username.",
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken.")
        return username

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords differ.")
        elif password1:
            # The validators compare the password with the username, so build an unsaved user.
            candidate = get_user_model()(username=data.get("username", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class SubmitForm(forms.Form):
    """The problem page's editor. Any registered language passes here; whether the problem offers
    it, and the size and emptiness rules, live in ``submission_create``."""

    language = forms.ChoiceField(choices=language_choices, initial=PYTHON)
    source = forms.CharField(
        strip=False,
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code-input"}),
    )


class LiveCostForm(forms.Form):
    """What the submission page heard in the "efficiency" event, before the cost is stored."""

    cost = forms.FloatField(min_value=0)  # FloatField refuses inf and nan
    unit = forms.CharField(max_length=16, required=False)
    meter = forms.SlugField(max_length=32)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        required=False,
        label="Token name",
        widget=forms.TextInput(attrs={"placeholder": "e.g. laptop, eval-run-42"}),
    )


class ModelCreateForm(forms.Form):
    """A model registered from the profile page. The rules (length, unique name, an http(s) link,
    a cut-off not in the future) live in ``model_create``; its refusals land on their field."""

    name = forms.CharField(
        max_length=100,
        label="Model name",
        help_text="Shown on the leaderboard; unique among models.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. my-coder-7b-instruct"}),
    )
    provider = forms.CharField(
        max_length=100,
        required=False,
        label="Provider",
        widget=forms.TextInput(attrs={"placeholder": "e.g. your lab or company"}),
    )
    training_cutoff = forms.DateField(
        required=False,
        label="Training cut-off",
        help_text="The leaderboard can score the model only on problems published after it.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    homepage = forms.CharField(
        max_length=200,
        required=False,
        label="Link",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    REJECTION_FIELDS = {
        "invalid_name": "name",
        "name_taken": "name",
        "invalid_provider": "provider",
        "invalid_training_cutoff": "training_cutoff",
        "invalid_homepage": "homepage",
    }

    def add_rejection(self, exc: AppError) -> None:
        self.add_error(self.REJECTION_FIELDS.get(exc.code), exc.message)


class LoginForm(AuthenticationForm):
    """Django's log-in form with a lockout: after too many failures for a username or from an
    address, every password is refused (the right one too) until the window ends."""

    locked_out: Throttled | None = None

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()  # no password is checked; the field errors say what is missing
        ip = client_ip(self.request) if self.request is not None else "unknown"
        try:
            login_attempt_start(username=username, ip=ip)
        except Throttled as exc:
            self.locked_out = exc
            raise forms.ValidationError(exc.message, code="locked_out") from exc
        cleaned: dict[str, Any] = super().clean()  # a wrong password raises: the attempt stays counted
        login_attempt_succeeded(username=username, ip=ip)
        return cleaned


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's log-in page checks passwords too, so it shares the lockout."""
