"""The GraphQL endpoint: per-request Context, JSON errors with codes, fast JSON.

A JSON POST (what Apollo Client and GraphiQL send) is answered here directly: web.transport
has read and decoded its body, so it goes from the decoded object to the schema and back to
JSON bytes. strawberry's view would build a Request, a request adapter, a sub-response, parse
the content type through `email.message`, decode the body a second time and build a
Response: about 0.1 ms a request, as much as executing a small query. Everything else (GET,
other content types, bodies strawberry refuses, the IDE) goes through strawberry's view as
before; both paths execute through `_execute`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from auth.tokens import bearer_token
from resolvers.context import Context
from schema import request_json
from schema.errors import format_error
from schema.limits import oversized_answer
from schema.trusted import PersistedRequestData, TrustedDocuments, names_document, with_document_id
from services import Services
from web.transport import REQUEST_JSON

_POST_TYPES = frozenset(OperationType.from_http("POST"))


def client_address(request: Request | WebSocket) -> str:
    return request.client.host if request.client else "unknown"


def client_host(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


JSON_TYPE = b"application/json"


def _plain_post(scope: Scope, data: object) -> tuple[PersistedRequestData, str | None] | None:
    """A JSON POST's request data and Authorization header, or None when strawberry's view
    should answer it: another method or media type, or a body whose `query`, `variables` or
    `extensions` strawberry refuses. Where they differ this path is the one that follows the
    standards: a media type is matched ignoring case (RFC 9110; strawberry's view refused
    `Application/JSON`), and `documentId` is read from the decoded body (the view looked
    for its exact bytes first, so an escaped key was ignored)."""
    if scope["method"] != "POST" or not isinstance(data, dict):
        return None
    content_type = authorization = None
    for name, value in scope["headers"]:
        if name == b"content-type" and content_type is None:
            content_type = value
        elif name == b"authorization" and authorization is None:
            authorization = value
    if content_type is None or content_type.partition(b";")[0].strip().lower() != JSON_TYPE:
        return None
    query, variables, extensions = data.get("query"), data.get("variables"), data.get("extensions")
    if not (
        isinstance(query, str | None)
        and isinstance(variables, dict | None)
        and isinstance(extensions, dict | None)
    ):
        return None
    request_data = PersistedRequestData(
        query=query,
        variables=variables,
        operation_name=data.get("operationName"),
        extensions=extensions,
        protocol="http",
        document_id=data.get("documentId"),
    )
    return request_data, None if authorization is None else authorization.decode("latin-1")


class GraphQLApp(GraphQL[Context, None]):
    def __init__(
        self,
        schema: Any,
        services: Services,
        ide_page: Callable[[], Response] | None = None,
        trusted: TrustedDocuments | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, **kwargs)
        self.services = services
        # Our own IDE page (web.graphiql, no CDN); strawberry's page is the fallback.
        self.ide_page = ide_page
        self.trusted = trusted or TrustedDocuments()
        # No streaming transport is configured, so no Accept header changes a POST's answer.
        self._direct_posts = not self._stream_transport_map

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        data = scope.get(REQUEST_JSON) if scope["type"] == "http" else None
        plain = _plain_post(scope, data) if self._direct_posts and data is not None else None
        if plain is None:
            await super().__call__(scope, receive, send)
            return
        request_data, authorization = plain
        context = self.context_for(authorization, client_host(scope))
        try:
            result = await self.trusted.execute(
                request_data, functools.partial(self._execute, "POST", context)
            )
        except HTTPException as refusal:
            # As strawberry's view answers it (web.transport reshapes it into JSON).
            response = PlainTextResponse(refusal.reason, status_code=refusal.status_code)
            await response(scope, receive, send)
            return
        body = self.encode_json(self.response_data(result))
        headers = [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def render_graphql_ide(self, request: Request) -> Response:
        if self.ide_page is None:
            return await super().render_graphql_ide(request)
        return self.ide_page()

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET naming a document by id is an operation, not a browser asking for the IDE.
        return not names_document(request) and super().should_render_graphql_ide(request)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> Any:
        data = await super().parse_http_body(request)
        return await with_document_id(data, request, self.parse_json)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        # A stored document, a refusal before anything parses, or a text as before.
        run = functools.partial(self._execute, request_adapter.method, context)
        return await self.trusted.execute(request_data, run)

    async def _execute(
        self, method: str, context: Context, request_data: GraphQLRequestData
    ) -> ExecutionResult:
        """strawberry's `execute_single`: the operation types the method allows (a query over
        GET only with allow_queries_via_get), and its three refusals as a 400."""
        allowed = _POST_TYPES if method == "POST" else OperationType.from_http("GET")
        if method == "GET" and not self.allow_queries_via_get:
            allowed = allowed - {OperationType.QUERY}
        try:
            return await self.schema.execute(
                request_data.query,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason(method)) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return self.context_for(request.headers.get("authorization"), client_address(request))

    def context_for(self, authorization: str | None, client: str) -> Context:
        """The request's Context, from its Authorization header and client address (both
        paths: a direct POST and strawberry's view)."""
        return Context.create(self.services, bearer_token(authorization), client)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        return self.response_data(result)

    @staticmethod
    def response_data(result: ExecutionResult) -> GraphQLHTTPResponse:
        data: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            data["errors"] = [format_error(error) for error in result.errors]
        if result.extensions:
            data["extensions"] = result.extensions
        return data

    def encode_json(self, data: object) -> bytes:
        body = orjson.dumps(data)
        limit = getattr(self.schema, "max_response_bytes", None)
        if limit is not None and len(body) > limit:
            return oversized_answer(len(body), limit)
        return body

    def decode_json(self, data: str | bytes) -> object:
        # orjson only: the stdlib fallback this had raised RecursionError and ValueError on
        # deep or huge input, which nothing caught (HTTP 500). schema.request_json.
        return request_json.load(data)

    def parse_json(self, data: str | bytes) -> Any:
        # GET's `variables` and `extensions` (a POST body was already checked by the same
        # rule in web.transport): a refusal is a 400, reshaped into JSON there.
        try:
            return request_json.load(data, "The `variables` or `extensions` parameter")
        except request_json.JSONProblem as problem:
            raise HTTPException(400, str(problem)) from problem
