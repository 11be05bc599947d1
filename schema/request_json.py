"""The JSON a GraphQL request carries, read by one rule: a POST body (web.transport) and GET's
`variables` and `extensions` parameters (schema.http) alike.

orjson only. The stdlib parser strawberry falls back to raised RecursionError on deep input
and ValueError on integers of more than 4,300 digits, which nothing caught: an HTTP 500 with a
traceback for a GET of under 10 KB. orjson refuses both (past 1,024 levels; a number beyond a
double), and nothing deeper than MAX_JSON_NESTING levels goes on to GraphQL, whose variable
coercion recurses too.
"""

from __future__ import annotations

from typing import Any

import orjson

# Deep enough for any real set of variables.
MAX_JSON_NESTING = 64


class JSONProblem(ValueError):
    """Why a request's JSON is refused (the message is for the client)."""


def nesting(value: Any) -> int:
    """How deep `value` nests, counted to just past MAX_JSON_NESTING (breadth-first, no
    recursion)."""
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > MAX_JSON_NESTING:
            break
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, (dict, list))
        ]
    return depth


def load(data: str | bytes, what: str = "The request body") -> Any:
    """`data` decoded, or JSONProblem saying what is wrong with it."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise JSONProblem(f"{what} is not valid JSON.") from error
    if nesting(value) > MAX_JSON_NESTING:
        raise JSONProblem(f"{what} is nested deeper than {MAX_JSON_NESTING} levels.")
    return value
