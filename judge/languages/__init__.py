"""The languages the judge runs: one module each in this package, registered on import.

Adding a language is one module (a ``Language`` subclass decorated with ``register_language``,
see base.py and cpp.py) and its tests; every module here is imported below.
"""

import importlib
import pkgutil

from judge.languages.base import LANGUAGES, Language, all_languages, get_language

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "types"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["LANGUAGES", "Language", "all_languages", "get_language"]
