"""Who may do what, as plain predicates over plain values."""

from __future__ import annotations

from typing import Protocol


class Caller(Protocol):
    id: int | None
    is_admin: bool


class Owned(Protocol):
    user_id: int


def owns(caller: Caller | None, obj: Owned | None) -> bool:
    return caller is not None and obj is not None and obj.user_id == caller.id


def can_write_public_scripts(caller: Caller | None) -> bool:
    return caller is not None and bool(caller.is_admin)
