"""Trusted documents: the operations the front ends shipped, prepared once, run by their id.

At start-up every manifest (TRUSTED_DOCUMENTS) is read and checked (schema.manifests), and
each document is parsed and validated once, through the schema's own pipeline with today's
limit rules (schema.document); any problem stops the start with one line. A request names
a document by `documentId` (GraphQL over HTTP, persisted documents) or by
`extensions.persistedQuery.sha256Hash` (Apollo), over POST or GET; a known one runs without
being parsed or validated again.

Modes (TRUSTED_DOCUMENTS_MODE; docs/api.md "Trusted documents"):
- off: ids are not looked up; any document sent as text runs, under the limits.
- allow: known ids run; documents sent as text still run, under the limits.
- require: only known ids run. An unknown id is PERSISTED_QUERY_NOT_FOUND, a document sent
  as text (with or without an id) is refused before anything parses it: FORBIDDEN, or
  PERSISTED_QUERY_NOT_FOUND when it came with an unknown id (Apollo's registration retry).

Automatic persisted queries (a client registering a document by sending it with its hash)
are not supported: nothing is ever stored at run time. In off and allow a text sent with an
unknown hash simply runs as the ad hoc document it is; in require it is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers.errors import AppError, ErrorCode
from schema.document import Compilation, RequestCheck, current_document
from schema.errors import code_of
from schema.manifests import ManifestEntry, ManifestError, document_key, read_manifests, short
from schema.observe import note_document, note_refusal

if TYPE_CHECKING:
    from strawberry.schema import Schema

log = logging.getLogger("gpt_supporter.trusted")

Mode = Literal["off", "allow", "require"]
ALL_OPERATION_TYPES = (OperationType.QUERY, OperationType.MUTATION, OperationType.SUBSCRIPTION)

# The hook for limits that depend on variables (the static cost of a connection is its
# `first`/`last`): compiled once per stored document at start-up, CompileCheck(document,
# operation_name) -> RequestCheck, then RequestCheck(variables) on each request, in place of
# validation. An error it returns is the answer, before any resolver runs.
CompileCheck = Callable[[DocumentNode, str | None], RequestCheck]


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: str  # "sha256:<64 hex>", the metrics' and the request log's name for it
    text: str
    document: DocumentNode
    operation_name: str | None
    operation_type: OperationType
    manifests: tuple[Path, ...]
    checks: tuple[RequestCheck, ...] = ()

    def check(self, variables: Mapping[str, Any] | None) -> list[GraphQLError]:
        return [error for check in self.checks for error in check(variables)]


def not_found() -> AppError:
    return AppError(
        ErrorCode.PERSISTED_QUERY_NOT_FOUND,
        "PersistedQueryNotFound: this service does not know that document id.",
    )


def text_refused() -> AppError:
    return AppError(
        ErrorCode.FORBIDDEN,
        "This service runs only the documents its clients registered: send the document's "
        "id (`documentId`, or `extensions.persistedQuery.sha256Hash`), not its text.",
    )


@dataclass(frozen=True)
class TrustedDocuments:
    mode: Mode = "off"
    documents: Mapping[str, StoredDocument] = field(default_factory=dict)

    @classmethod
    async def load(
        cls,
        mode: Mode,
        paths: list[Path],
        schema: Schema,
        checks: Sequence[CompileCheck] = (),
    ) -> TrustedDocuments:
        """Every document of every manifest, prepared; ManifestError on the first problem."""
        if mode == "off":
            return cls()
        documents: dict[str, StoredDocument] = {}
        for entry in read_manifests(paths):
            known = documents.get(entry.id)
            if known is not None:
                # Two front-end versions share most documents: prepared once.
                documents[entry.id] = _also_in(known, entry.manifest)
                continue
            documents[entry.id] = await _prepare(schema, entry, checks)
        log.info(
            "trusted documents (%s): %d from %s", mode, len(documents), ", ".join(map(str, paths))
        )
        return cls(mode, documents)

    async def execute(
        self,
        data: GraphQLRequestData,
        run: Callable[[GraphQLRequestData], Awaitable[ExecutionResult]],
    ) -> ExecutionResult:
        """Runs the request through `run` (the view's execution), or refuses it unparsed."""
        admitted = self.admit(data)
        if isinstance(admitted, GraphQLError):
            note_refusal(admitted)
            return ExecutionResult(data=None, errors=[admitted])
        if admitted is None:
            return await run(data)
        note_document(admitted.id)
        with serving(admitted):
            return await run(replace(data, query=admitted.text))

    def admit(self, data: GraphQLRequestData) -> StoredDocument | AppError | None:
        """The stored document to run, the refusal to answer, or None for a text to parse.

        Raises HTTPException (400) for a malformed id. Parses nothing.
        """
        requested = requested_id(data)
        if requested is None:
            if self.mode == "require" and data.query is not None:
                return text_refused()
            return None
        stored = self.documents.get(requested)
        if stored is None:
            if data.query is not None and self.mode != "require":
                return None
            return not_found()
        if data.query is not None and data.query != stored.text:
            raise HTTPException(400, "The `query` sent is not the document its id names.")
        return stored


@contextmanager
def serving(stored: StoredDocument) -> Iterator[None]:
    """Runs the operation started inside with `stored` in place of its parse and validation."""
    token = current_document.set(stored)
    try:
        yield
    finally:
        current_document.reset(token)


# ---- reading the id from a request -------------------------------------------------------


@dataclass
class PersistedRequestData(GraphQLRequestData):
    # `documentId` as the request sent it (strawberry's request data has no place for it).
    document_id: object = None


def names_document(request: BaseRequestProtocol) -> bool:
    """A GET that names a document by id (in the URL)."""
    params = request.query_params
    return params.get("documentId") is not None or params.get("extensions") is not None


async def with_document_id(
    data: GraphQLRequestData | list[GraphQLRequestData],
    request: AsyncHTTPRequestAdapter,
    decode: Callable[[bytes], object],
) -> GraphQLRequestData | list[GraphQLRequestData]:
    """strawberry's request data, with the request's `documentId` kept."""
    if not isinstance(data, GraphQLRequestData):
        return data
    return PersistedRequestData(**vars(data), document_id=await read_document_id(request, decode))


async def read_document_id(
    request: AsyncHTTPRequestAdapter, decode: Callable[[bytes], object]
) -> object:
    """The request's `documentId` parameter, or None."""
    if request.method == "GET":
        return request.query_params.get("documentId")
    body = await request.get_body()
    # strawberry decoded the body already and kept only the fields it knows; most bodies
    # carry no documentId, and those are not decoded twice.
    if b'"documentId"' not in body:
        return None
    data = decode(body)
    return data.get("documentId") if isinstance(data, dict) else None


_PERSISTED_QUERY_SHAPE = (
    '`extensions.persistedQuery` must be {"version": 1, "sha256Hash": "<64 hex digits>"}.'
)


def requested_id(data: GraphQLRequestData) -> str | None:
    """The document id the request names (canonical when it is a SHA-256 id), or None."""
    named: list[str] = []
    document_id = getattr(data, "document_id", None)
    if document_id is not None:
        if not isinstance(document_id, str):
            raise HTTPException(400, "`documentId` must be a string.")
        named.append(document_id)
    persisted = (data.extensions or {}).get("persistedQuery")
    if persisted is not None:
        if (
            not isinstance(persisted, dict)
            or persisted.get("version") != 1
            or not isinstance(persisted.get("sha256Hash"), str)
        ):
            raise HTTPException(400, _PERSISTED_QUERY_SHAPE)
        named.append(persisted["sha256Hash"])
    keys = {document_key(each) or each for each in named}
    if len(keys) > 1:
        raise HTTPException(400, "`documentId` and `extensions.persistedQuery` name two documents.")
    return keys.pop() if keys else None


# ---- preparing a document at start-up ----------------------------------------------------


async def _prepare(
    schema: Schema, entry: ManifestEntry, checks: Sequence[CompileCheck]
) -> StoredDocument:
    where = f"TRUSTED_DOCUMENTS: {entry.manifest}: document {short(entry.id)}"
    compilation = Compilation()
    token = current_document.set(compilation)
    try:
        result = await schema.execute(entry.text, allowed_operation_types=ALL_OPERATION_TYPES)
    except (MissingQueryError, CannotGetOperationTypeError):
        result = None
    finally:
        current_document.reset(token)
    document = compilation.document
    errors = result.errors if result is not None and result.errors else []
    if document is None:
        reason = f"{code_of(errors[0]).value}: {_one_line(errors[0].message)}" if errors else ""
        raise ManifestError(f"{where} does not parse: {reason or 'it is empty'}")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise ManifestError(f"{where} holds {len(operations)} operations; it must hold one")
    (operation,) = operations
    name = operation.name.value if operation.name else None
    if errors:
        error = errors[0]
        raise ManifestError(
            f"{where} ({operation.operation.value} {name or '(anonymous)'}) no longer validates "
            f"against the schema: {code_of(error).value}: {_one_line(error.message)}"
        )
    return StoredDocument(
        id=entry.id,
        text=entry.text,
        document=document,
        operation_name=name,
        operation_type=OperationType(operation.operation.value),
        manifests=(entry.manifest,),
        checks=tuple(check(document, name) for check in checks),
    )


def _also_in(stored: StoredDocument, manifest: Path) -> StoredDocument:
    if manifest in stored.manifests:
        return stored
    return replace(stored, manifests=(*stored.manifests, manifest))


def _one_line(text: str) -> str:
    return " ".join(text.split())


__all__ = ["ManifestError", "StoredDocument", "TrustedDocuments"]
