"""Which languages a problem offers, with their starter code, and how a name given by a client
becomes a language key.

The judge's registry (judge/languages/) is the one list of languages: whatever modules are
registered there are the languages of the site, in the order of ``arena.models.Language``. A
language is offered for a problem when it can express the problem's signature
(``Language.unsupported``); the others are listed with the reason, so that pages and APIs can
say why a language is missing rather than leave it out silently.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from arena.errors import AppError
from arena.models import Language as LanguageChoice
from arena.models import Problem
from judge.languages import Language, all_languages, get_language

logger = logging.getLogger(__name__)

PYTHON = "PY3"
# Spellings clients used before the registry named its aliases; kept working whatever it says.
LEGACY_ALIASES = {"python": PYTHON, "python3": PYTHON, "py": PYTHON, "py3": PYTHON}


@dataclass(frozen=True)
class ProblemLanguage:
    """One registered language as a problem sees it. ``reason`` says why it is not ``available``
    (empty when it is); ``starter`` is the code the editor opens with (empty when unavailable)."""

    key: str
    name: str
    editor_mode: str
    available: bool
    reason: str
    starter: str

    def public(self) -> dict[str, Any]:
        """The API's description of it (the starter code travels in its own field)."""
        return {
            "key": self.key,
            "name": self.name,
            "editor_mode": self.editor_mode,
            "available": self.available,
            "reason": self.reason or None,
        }


def languages_registered() -> list[Language]:
    """Every language the judge runs, in the order of ``arena.models.Language`` (Python first);
    one the model does not list yet comes last, by key."""
    order = {key: index for index, key in enumerate(LanguageChoice.values)}
    return sorted(all_languages(), key=lambda language: (order.get(language.key, len(order)), language.key))


def language_choices() -> list[tuple[str, str]]:
    """(key, name) of every registered language: the leaderboard's filter, the editor's form."""
    return [(language.key, language.name) for language in languages_registered()]


def _aliases() -> dict[str, str]:
    table = dict(LEGACY_ALIASES)
    for language in languages_registered():
        for spelling in (language.key, language.name, *language.aliases):
            table[spelling.strip().lower()] = language.key
    return table


def _known_text() -> str:
    return ", ".join(f"{language.key} ({language.name})" for language in languages_registered())


def language_resolve(raw: str) -> str:
    """The key of the language a client named by key, name or alias, case-insensitively."""
    text = raw if isinstance(raw, str) else ""
    key = _aliases().get(text.strip().lower())
    if key is None:
        raise AppError("unknown_language", f"Unknown language {raw!r}. Known: {_known_text()}.")
    return key


def problem_languages(problem: Problem) -> list[ProblemLanguage]:
    """Every registered language for ``problem``: offered or not (and why), with its starter code."""
    return list(_languages_for(_frozen(problem.signature), _frozen(problem.starter_code)))


def problem_languages_offered(problem: Problem) -> list[ProblemLanguage]:
    return [language for language in problem_languages(problem) if language.available]


def problem_language_check(problem: Problem, key: str) -> ProblemLanguage:
    """The language ``key`` (already resolved) if ``problem`` offers it, else a 400 that names
    the reason and the languages it does offer."""
    languages = problem_languages(problem)
    found = next((language for language in languages if language.key == key), None)
    if found is not None and found.available:
        return found
    offered = ", ".join(f"{language.key} ({language.name})" for language in languages if language.available)
    name = found.name if found is not None else key
    why = f": {found.reason}" if found is not None and found.reason else ""
    raise AppError(
        "language_not_offered",
        f"{name} is not offered for the problem {problem.code}{why}. Offered: {offered or 'none'}.",
    )


def problem_starter(problem: Problem, key: str) -> str:
    """The starter code of an offered language (a 400 for one the problem does not offer)."""
    return problem_language_check(problem, key).starter


# --- the cached computation -------------------------------------------------------------------
# Keyed by the signature and the stored starter code as JSON text: cheap, but a batch of 50
# drafts or a page that renders the list twice computes it once.


def _frozen(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return "null"


@lru_cache(maxsize=512)
def _languages_for(signature_json: str, starters_json: str) -> tuple[ProblemLanguage, ...]:
    signature = json.loads(signature_json)
    stored = json.loads(starters_json)
    if not isinstance(signature, dict):
        signature = {}
    if not isinstance(stored, dict):
        stored = {}
    return tuple(_language_for(language, signature, stored) for language in languages_registered())


def _language_for(language: Language, signature: dict[str, Any], stored: dict[str, Any]) -> ProblemLanguage:
    # A language module that fails on an odd signature must not turn a page into a 500: the
    # language is then not offered, and says so.
    try:
        reason = language.unsupported(signature)
    except Exception:
        logger.exception("%s.unsupported failed on the signature %r", language.key, signature)
        reason = "the problem's signature could not be read for this language"
    if reason is not None:
        return ProblemLanguage(language.key, language.name, language.editor_mode, False, str(reason), "")
    starter = stored.get(language.key)
    if not isinstance(starter, str):
        try:
            starter = language.starter(signature)
        except Exception:
            logger.exception("%s.starter failed on the signature %r", language.key, signature)
            starter = ""
    return ProblemLanguage(language.key, language.name, language.editor_mode, True, "", starter)


def language_display(key: str) -> tuple[str, str]:
    """(name, editor mode) of a stored language key, registered or not (an old submission's)."""
    try:
        language = get_language(key)
    except KeyError:
        labels = dict(LanguageChoice.choices)
        return str(labels.get(key, key)), "text/plain"
    return language.name, language.editor_mode
