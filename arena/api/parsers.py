"""The native API's only body parser: JSON, bounded in size and nesting before it is decoded.

Bodies come from the internet. Python's JSON decoder recurses once per nesting level, so a body of
100,000 ``[`` would exhaust the stack; a 10 MB body would be read and decoded whole. Both are
refused first: the size while reading (at most ``API_MAX_BODY_BYTES`` + 1 bytes are read), the
depth by counting brackets outside strings, which needs no recursion. Any other media type is a
415 (DRF raises it when no parser matches).
"""

from __future__ import annotations

import codecs
import json
import re
from array import array
from collections.abc import Mapping
from itertools import accumulate
from typing import IO, Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32

# A JSON string with its escapes; brackets inside one are text, not structure.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# Openers become 1 and closers 255, which an array of signed bytes reads as -1.
_BRACKET_STEPS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in ``raw`` (0 for a scalar), without parsing it."""
    steps = _JSON_STRING.sub(b"", raw).translate(_BRACKET_STEPS, _NOT_BRACKETS)
    return max(accumulate(array("b", steps)), default=0)


def body_limit_message(limit_bytes: int) -> str:
    return f"The request body is over the limit of {limit_bytes} bytes."


class BoundedJSONParser(JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        limit_bytes: int = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit_bytes + 1)
        if len(raw) > limit_bytes:
            raise RequestTooLarge(body_limit_message(limit_bytes))
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}: {exc}")
        # Brackets are counted in UTF-8, whatever the body's charset.
        depth = json_depth(raw if codecs.lookup(encoding).name == "utf-8" else text.encode("utf-8", "surrogatepass"))
        if depth > MAX_JSON_DEPTH:
            raise ParseError(
                f"The JSON body nests {depth} levels deep; the limit is {MAX_JSON_DEPTH}.", code="too_deeply_nested"
            )
        try:
            return json.loads(text, parse_constant=_refuse_constant if self.strict else None)
        except RecursionError:  # unreachable below MAX_JSON_DEPTH; kept so a change there cannot 500
            raise ParseError("The JSON body nests too deeply.", code="too_deeply_nested")
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}")


def _refuse_constant(name: str) -> Any:
    # As DRF's strict JSON: NaN and Infinity are not JSON, and would not survive a round trip.
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")
