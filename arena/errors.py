"""The application's one error: what the caller did wrong, or was refused, said in words that are
safe to show, with a stable code for programs.

Every layer raises ``AppError`` (services, selectors, views); one function per surface turns it
into an answer: the native API's envelope and the v2 envelope (``arena/api/errors.py``
``api_error``, also used by DRF's exception handler and the v2 views), and the site's error page
for everything else (``arena/middleware.py``). Anything that is not an ``AppError`` is a bug and
ends as a logged 500.
"""

from __future__ import annotations


class AppError(Exception):
    """``code``: stable, for API clients (``unknown_language``, ``throttled``...); ``message``: for
    people; ``status``: the HTTP status; ``item``: which element of a batch (0-based) it is about;
    ``retry_after_s``: when to try again (429, 503)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        item: int | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.item = item
        self.retry_after_s = retry_after_s

    def for_item(self, index: int) -> AppError:
        """The same error, naming the batch element it is about."""
        return AppError(
            self.code, f"item {index}: {self.message}", status=self.status, item=index, retry_after_s=self.retry_after_s
        )

    def body(self) -> dict[str, object]:
        """The native API's error object."""
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.item is not None:
            error["item"] = self.item
        return error

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)} if self.retry_after_s is not None else {}
