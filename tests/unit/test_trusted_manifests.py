"""Loading trusted-document manifests: what stops the start, in one line, and what loads once.

No database: the schema alone parses and validates the documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import DocumentNode, GraphQLError

from resolvers.errors import AppError, ErrorCode
from schema.build import build_schema
from schema.limits import QueryLimits
from schema.manifests import ManifestError, sha256_id
from schema.trusted import RequestCheck, TrustedDocuments, serving

# Runs on the schema alone (introspection), so the tests need no database.
PROBE = "query Probe($name: String!) { __type(name: $name) { name } }"
BOOKS = "query Books { refBooks(first: 2) { edges { node { title } } } }"
GONE_FIELD = "query OldBooks { refBooks(first: 2) { edges { node { title isbn } } } }"
TWO_OPERATIONS = "query A { __typename } query B { __typename }"
SYNTAX_ERROR = "query Broken { refBooks(first: 2) { "
TOO_DEEP = (
    "query Deep { systemInfos { edges { node { refBooks { __typename "
    "... on RefBook { id } } } } } }"
)


def manifest(tmp_path: Path, documents: Mapping[str, str], name: str = "m.json") -> Path:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(dict(documents)))
    return path


def of(*texts: str) -> dict[str, str]:
    return {sha256_id(text): text for text in texts}


async def load(paths: list[Path], **kwargs: Any) -> TrustedDocuments:
    return await TrustedDocuments.load("require", paths, build_schema(), **kwargs)


async def refusal(paths: list[Path], schema_limits: QueryLimits | None = None) -> str:
    with pytest.raises(ManifestError) as raised:
        await TrustedDocuments.load("require", paths, build_schema(limits=schema_limits))
    message = str(raised.value)
    assert "\n" not in message
    return message


async def test_two_manifests_load_with_shared_documents_prepared_once(tmp_path: Path) -> None:
    # given two front-end versions sharing one document
    old = manifest(tmp_path, of(PROBE, BOOKS), "old.json")
    new = manifest(tmp_path, of(BOOKS), "new.json")
    # when both load
    trusted = await load([old, new])
    # then the union is known, the shared document once, from both manifests
    assert set(trusted.documents) == {sha256_id(PROBE), sha256_id(BOOKS)}
    books = trusted.documents[sha256_id(BOOKS)]
    assert books.manifests == (old, new)
    assert (books.operation_name, books.operation_type.value) == ("Books", "query")


async def test_a_document_that_no_longer_validates_stops_the_start(tmp_path: Path) -> None:
    # given a manifest whose document selects a field the schema does not have
    path = manifest(tmp_path, of(BOOKS, GONE_FIELD))
    # when it loads, then the one line names the manifest, the operation and the reason
    message = await refusal([path])
    assert message.startswith(f"TRUSTED_DOCUMENTS: {path}: document {sha256_id(GONE_FIELD)[:19]}")
    assert "(query OldBooks) no longer validates against the schema" in message
    assert "GRAPHQL_VALIDATION_FAILED: Cannot query field 'isbn' on type 'RefBook'." in message


async def test_the_limits_apply_at_start_up(tmp_path: Path) -> None:
    # given a document deeper than a depth limit of 3
    path = manifest(tmp_path, of(TOO_DEEP))
    # when it loads under that limit, then it is refused as a request would be
    message = await refusal([path], QueryLimits(max_depth=3))
    assert "(query Deep) no longer validates against the schema: QUERY_TOO_COMPLEX" in message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not json", "is not JSON"),
        (b"[]", "must be a JSON object of document id -> document text"),
        (b"{}", "must be a JSON object of document id -> document text"),
        (orjson.dumps({"abc": PROBE}), "'abc' is not a SHA-256 document id"),
        (orjson.dumps({sha256_id(PROBE): 3}), "is not a string"),
        (orjson.dumps({sha256_id(BOOKS): PROBE}), "does not match its text"),
        (orjson.dumps(of(SYNTAX_ERROR)), "does not parse: GRAPHQL_PARSE_FAILED: Syntax Error"),
        (orjson.dumps(of("")), "does not parse: it is empty"),
        (orjson.dumps(of(TWO_OPERATIONS)), "holds 2 operations; it must hold one"),
    ],
    ids=["not-json", "array", "empty", "bad-key", "not-text", "hash", "syntax", "blank", "two"],
)
async def test_a_bad_manifest_stops_the_start(tmp_path: Path, content: bytes, reason: str) -> None:
    # given a manifest with one problem
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    # when it loads, then the one line says which manifest and why
    message = await refusal([path])
    assert message.startswith(f"TRUSTED_DOCUMENTS: {path}: ")
    assert reason in message, message


async def test_a_missing_manifest_stops_the_start(tmp_path: Path) -> None:
    # given a path with no file / when it loads, then the line says it cannot be read
    missing = tmp_path / "nowhere.json"
    message = await refusal([missing])
    assert message == f"TRUSTED_DOCUMENTS: {missing}: cannot be read (No such file or directory)"


async def test_off_reads_no_manifest(tmp_path: Path) -> None:
    # given a manifest path that does not exist / when the off mode loads, then nothing is read
    trusted = await TrustedDocuments.load("off", [tmp_path / "nowhere.json"], build_schema())
    assert trusted.documents == {}


async def test_per_request_checks_are_compiled_once_and_run_with_the_variables(
    tmp_path: Path,
) -> None:
    # given a check that depends on a variable, as a static cost plan does (here: refusing
    # a long `name`)
    compiled: list[tuple[DocumentNode, str | None]] = []
    seen: list[Mapping[str, Any] | None] = []

    def compile_check(document: DocumentNode, name: str | None) -> RequestCheck:
        compiled.append((document, name))

        def check(variables: Mapping[str, Any] | None) -> list[GraphQLError]:
            seen.append(variables)
            if len((variables or {}).get("name", "")) > 5:
                return [AppError(ErrorCode.QUERY_TOO_COMPLEX, "too costly", cost=99, limit=5)]
            return []

        return check

    schema = build_schema()
    trusted = await TrustedDocuments.load(
        "require", [manifest(tmp_path, of(PROBE))], schema, checks=[compile_check]
    )
    stored = trusted.documents[sha256_id(PROBE)]
    # then it was compiled once, at load, with the parsed document
    assert compiled == [(stored.document, "Probe")]

    # when the stored document runs twice, under and over the limit
    answers = []
    for name in ("Query", "RefBook"):
        with serving(stored):
            answers.append(await schema.execute(stored.text, variable_values={"name": name}))

    # then the check ran per request with its variables, and its error is the answer
    assert seen == [{"name": "Query"}, {"name": "RefBook"}]
    assert len(compiled) == 1
    assert answers[0].errors is None and answers[0].data == {"__type": {"name": "Query"}}
    assert answers[1].data is None
    assert answers[1].errors is not None
    assert answers[1].errors[0].extensions == {"code": "QUERY_TOO_COMPLEX", "cost": 99, "limit": 5}
