"""Global object ids, base64("<GraphQL type name>:<id>"), as Relay expects.

The type names come from the entity declarations (resolvers/entities.py).
"""

from __future__ import annotations

import base64
import binascii

# The largest BIGINT: a larger number in an id or a cursor can name no row, and SQLite's
# driver cannot even bind it.
MAX_DB_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_DB_ID))


def to_global_id(type_name: str, pk: int) -> str:
    # base64.b64encode without its wrapper: one is made for every object of an answer.
    return binascii.b2a_base64(f"{type_name}:{pk}".encode(), newline=False).decode()


def from_global_id(global_id: str) -> tuple[str, int] | None:
    """(type name, primary key), or None when `global_id` is not one of ours."""
    try:
        raw = base64.b64decode(global_id.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, sep, pk = raw.partition(":")
    value = parse_pk(pk)
    if not sep or value is None:
        return None
    return type_name, value


def parse_pk(text: str) -> int | None:
    """A primary key written as we write it (ASCII digits, no sign, no leading zero), or None.

    One object has one id: "RefBook:0002" is not another spelling of "RefBook:2", so a
    client cannot make ids that compare unequal yet name the same object.
    """
    # No key has more than 19 digits, and int() raises ValueError beyond 4300.
    if not text.isascii() or not text.isdigit() or len(text) > _MAX_DIGITS or text[0] == "0":
        return None
    value = int(text)
    return value if value <= MAX_DB_ID else None


def pk_of(global_id: str, type_name: str) -> int | None:
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]
