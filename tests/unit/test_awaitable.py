"""schema/awaitable.py answers as strawberry's is_awaitable does, for every kind of value."""

from __future__ import annotations

import asyncio
from collections import namedtuple
from typing import Any

import pydantic
from strawberry.execution.is_awaitable import optimized_is_awaitable

from models import RefBook
from schema.awaitable import fast_is_awaitable, plain_class


class Plain:
    pass


class Slotted:
    __slots__ = ("a",)


class Awaits:
    def __await__(self) -> Any:
        yield


class Dynamic:
    def __getattr__(self, name: str) -> Any:
        return lambda: iter(())


class Extra(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")


async def _coroutine() -> None:
    return None


def test_same_answers_as_strawberry() -> None:
    # given values of every kind, a row that carries __await__ on itself among them
    odd_row = RefBook(id=2, user_id=1, author="a", title="t")
    odd_row.__dict__["__await__"] = lambda: iter(())
    coroutine = _coroutine()
    future = asyncio.new_event_loop().create_future()
    values: list[Any] = [
        None, 1, "s", 1.5, True, [1], {"a": 1}, (1,),
        RefBook(id=1, user_id=1, author="a", title="t"), odd_row,
        Plain(), Slotted(), Awaits(), Dynamic(), Extra(), coroutine, future,
    ]  # fmt: skip
    fast = fast_is_awaitable(optimized_is_awaitable)
    # when both are asked, twice (the second time from what was remembered)
    answers = [[fast(v) for v in values] for _ in range(2)]
    # then they agree on every value
    expected = [bool(optimized_is_awaitable(v)) for v in values]
    coroutine.close()
    assert answers[0] == answers[1] == expected
    assert expected[-2:] == [True, True] and expected[9] and not expected[8]


def test_only_plain_classes_are_remembered_as_such() -> None:
    assert plain_class(RefBook) and plain_class(Plain) and plain_class(Slotted)
    assert not plain_class(Awaits) and not plain_class(Dynamic) and not plain_class(Extra)


Row = namedtuple("Row", "a b")


class AwaitableDict(dict[str, Any]):
    def __await__(self) -> Any:
        yield


def test_builtins_and_rows_are_answered_without_the_original_predicate() -> None:
    # given a predicate that records what it is asked
    asked: list[Any] = []

    def original(value: Any) -> bool:
        asked.append(value)
        return bool(optimized_is_awaitable(value))

    fast = fast_is_awaitable(original)
    # when the executor's usual values are checked, and a dict subclass that awaits
    plain_values: list[Any] = [{"a": 1}, [1], "s", 1, None, Row(1, 2), (1,)]
    answers = [fast(value) for value in plain_values]
    awaits = fast(AwaitableDict())
    # then the plain ones are no awaitables and the predicate never heard of them
    assert answers == [False] * len(plain_values)
    assert [type(value) for value in asked] == [AwaitableDict]
    assert awaits
    assert plain_class(Row) and not plain_class(AwaitableDict)
