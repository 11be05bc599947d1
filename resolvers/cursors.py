"""Opaque keyset cursors: the order a page was read in, its search, and the row's keys.

A cursor names a position in one ordering of one filtered set: its order field, direction,
a tag of its search, the row's value in the ordered column and its id (ties). Presented
with another order or search it means nothing there, and is refused rather than guessed.

Cursors of the default order (created, newest first) with no search keep the first format,
`k1:<microseconds>:<id>`, so cursors clients hold stay valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from resolvers.ids import parse_pk

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_V1, _V2 = "k1", "k2"
DEFAULT_FIELD = "CREATED"
SortValue = datetime | str


@dataclass(frozen=True, slots=True)
class CursorKey:
    field: str
    descending: bool
    search_tag: str
    value: SortValue
    id: int


def search_tag(search: str | None) -> str:
    """A short, stable tag of a search text ('' for none): cursors carry it, not the text."""
    if not search:
        return ""
    return hashlib.sha256(search.encode()).hexdigest()[:16]


def encode_cursor(field: str, descending: bool, tag: str, value: SortValue, pk: int) -> str:
    if field == DEFAULT_FIELD and descending and not tag and isinstance(value, datetime):
        raw = f"{_V1}:{_micros(value)}:{pk}"
    else:
        encoded = (
            f"t{_micros(value)}"
            if isinstance(value, datetime)
            else "s" + _b64(value.encode()).decode()
        )
        raw = f"{_V2}:{field}:{'d' if descending else 'a'}:{tag}:{encoded}:{pk}"
    return _b64(raw.encode()).decode()


def decode_cursor(cursor: str) -> CursorKey | None:
    try:
        raw = _unb64(cursor).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    parts = raw.split(":")
    if parts[0] == _V1 and len(parts) == 3:
        when, key = _from_micros(parts[1]), parse_pk(parts[2])
        if when is None or key is None:
            return None
        return CursorKey(DEFAULT_FIELD, True, "", when, key)
    if parts[0] != _V2 or len(parts) != 6:
        return None
    _, field, direction, tag, encoded, pk = parts
    key = parse_pk(pk)
    value = _decode_value(encoded)
    if key is None or value is None or direction not in ("a", "d") or not field.isupper():
        return None
    return CursorKey(field, direction == "d", tag, value, key)


def _decode_value(encoded: str) -> SortValue | None:
    if encoded.startswith("t"):
        return _from_micros(encoded[1:])
    if encoded.startswith("s"):
        try:
            return _unb64(encoded[1:]).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            return None
    return None


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _from_micros(text: str) -> datetime | None:
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    try:
        return _EPOCH + int(text) * _MICROSECOND
    except OverflowError:
        return None


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unb64(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))
