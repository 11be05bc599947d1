"""Parsing with limits (schema.document): each failure carries the code of what stopped it.

The parser's limits (tokens, comments counted as tokens, nesting) are QUERY_TOO_COMPLEX and
every other syntax error GRAPHQL_PARSE_FAILED, told apart by the parser's state.
"""

from __future__ import annotations

import pytest
from graphql import GraphQLSyntaxError, parse

from schema.document import operation_problem, parse_document

MAX_TOKENS = 100
MANY_TOKENS = "query { me { " + "id " * 200 + "} }"
MANY_COMMENTS = "query { me {\n" + "# padding\n" * 200 + "id } }"
DEEP = "query { " + "a { " * 300 + "b" + " }" * 300 + " }"
DEEP_LIST = "query { a(b: " + "[" * 300 + "]" * 300 + ") }"
BROKEN = ["query { me { id ", "query { me } }", "query { a(b: 0x1) }", 'query { a(b: "x) }']
# Broken after many (but fewer than MAX_TOKENS) tokens, with comments around.
BROKEN_LATE = "# a comment\nquery { me { " + "id " * 90 + "# and another\n"


@pytest.mark.parametrize("document", [MANY_TOKENS, MANY_COMMENTS, DEEP, DEEP_LIST])
def test_the_parser_limits_are_query_too_complex(document: str) -> None:
    with pytest.raises(GraphQLSyntaxError) as raised:
        parse_document(document, MAX_TOKENS if document in (MANY_TOKENS, MANY_COMMENTS) else 10**6)
    assert (raised.value.extensions or {})["code"] == "QUERY_TOO_COMPLEX"


@pytest.mark.parametrize("document", [*BROKEN, BROKEN_LATE])
def test_other_syntax_errors_are_parse_failures(document: str) -> None:
    with pytest.raises(GraphQLSyntaxError) as raised:
        parse_document(document, MAX_TOKENS)
    assert (raised.value.extensions or {})["code"] == "GRAPHQL_PARSE_FAILED"


def test_a_document_within_the_limits_parses() -> None:
    document = parse_document("query { me { id } } # trailing comment", MAX_TOKENS)
    assert document.definitions


@pytest.mark.parametrize(
    ("document", "name", "problem"),
    [
        ("query A { me { id } } query B { me { id } }", None, "defines 2 operations"),
        ("query A { me { id } } query B { me { id } }", "C", "no operation named 'C'"),
        ("fragment F on Query { me { id } }", None, "defines no operation"),
        ("query A { me { id } } query B { me { id } }", "B", None),
        ("{ me { id } }", None, None),
    ],
)
def test_the_operation_to_run_must_be_clear(
    document: str, name: str | None, problem: str | None
) -> None:
    found = operation_problem(parse(document), name)
    assert (found is None) if problem is None else (problem in (found or ""))
