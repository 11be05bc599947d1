"""`is_awaitable` for the fast executor: the same answers, without asking pydantic each time.

graphql-core asks whether every resolver result, list item and completed value is awaitable.
strawberry's predicate answers plain Python values from a set of types and everything else
with `isinstance(value, CoroutineType)`, a generator-coroutine check and then
`hasattr(value, "__await__")`. On a SQLModel row that last question misses the class and
instance dicts and goes through pydantic's `__getattr__`, which looks for private
attributes and extras before it raises: ~2 us for each row, each time it is asked.

The executor asks mostly about the dicts it builds, lists, strings and rows (named tuples):
values of those exact built-in types are never awaitable, answered with one set lookup.
For a class that is no coroutine or generator, has no `__await__`, and reads attributes the
standard way (the generic `__getattribute__` of object or of a built-in base such as tuple,
and either no `__getattr__` or pydantic's on a model that takes no extra fields, whose
private attributes never have dunder names),
`hasattr(value, "__await__")` can only be true when the instance's own `__dict__` holds it:
that is what is checked, and the classes are remembered. Every other value gets the
original predicate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from types import CoroutineType, GeneratorType, NoneType, WrapperDescriptorType
from typing import Any, TypeGuard

from pydantic import BaseModel

__all__ = ["fast_is_awaitable"]

# Exact types whose values are never awaitable.
_NEVER = frozenset({dict, list, tuple, str, int, float, bool, NoneType, datetime, date})
# Built-in bases whose `__getattribute__` is the generic one (instance dict, then class).
_GENERIC_BASES = frozenset({object, tuple, list, dict, str, int, float})
# Per class: whether the class alone says its instances are not awaitable (see above).
_PLAIN_CLASSES: dict[type, bool] = {}


def plain_class(kind: type) -> bool:
    if issubclass(kind, (CoroutineType, GeneratorType)) or hasattr(kind, "__await__"):
        return False
    attribute = kind.__getattribute__
    if not (
        isinstance(attribute, WrapperDescriptorType) and attribute.__objclass__ in _GENERIC_BASES
    ):
        return False
    custom_getattr = getattr(kind, "__getattr__", None)
    if custom_getattr is None:
        return True
    return (
        issubclass(kind, BaseModel)
        and custom_getattr is getattr(BaseModel, "__getattr__", None)
        and kind.model_config.get("extra") != "allow"
    )


def fast_is_awaitable(
    is_awaitable: Callable[[Any], bool],
) -> Callable[[Any], TypeGuard[Awaitable[Any]]]:
    plain = _PLAIN_CLASSES

    def check(value: Any) -> TypeGuard[Awaitable[Any]]:
        kind = type(value)
        if kind in _NEVER:
            return False
        known = plain.get(kind)
        if known is None:
            known = plain[kind] = plain_class(kind)
        if not known:
            return is_awaitable(value)
        if not kind.__dictoffset__:
            # No instance dict (slots, tuples): nothing of its own can say __await__.
            return False
        own = getattr(value, "__dict__", None)
        return own is not None and "__await__" in own and is_awaitable(value)

    return check
