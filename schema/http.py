"""The GraphQL endpoint: per-request Context, JSON errors with codes, fast JSON."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult

from auth.tokens import bearer_token
from resolvers.context import Context, Services
from schema.errors import format_error
from schema.observe import note_document, note_refusal
from schema.trusted import PersistedRequestData, TrustedDocuments, read_document_id, serving


def client_address(request: Request | WebSocket) -> str:
    return request.client.host if request.client else "unknown"


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

    async def render_graphql_ide(self, request: Request) -> Response:
        if self.ide_page is None:
            return await super().render_graphql_ide(request)
        return self.ide_page()

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET naming a document by id is an operation, not a browser asking for the IDE.
        params = request.query_params
        named = params.get("documentId") is not None or params.get("extensions") is not None
        return not named and super().should_render_graphql_ide(request)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> Any:
        data = await super().parse_http_body(request)
        if not isinstance(data, GraphQLRequestData):
            return data
        document_id = await read_document_id(request, self.parse_json)
        return PersistedRequestData(**vars(data), document_id=document_id)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        # schema.trusted decides before anything parses: a stored document, a refusal, or a
        # text for the usual parse and validation.
        admitted = self.trusted.admit(request_data)
        if isinstance(admitted, GraphQLError):
            note_refusal(admitted)
            return ExecutionResult(data=None, errors=[admitted])
        run = functools.partial(
            super().execute_single, request, request_adapter, sub_response, context, root_value
        )
        if admitted is None:
            return await run(request_data)
        note_document(admitted.id)
        with serving(admitted):
            return await run(replace(request_data, query=admitted.text))

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        token = bearer_token(request.headers.get("authorization"))
        return Context.create(self.services, token, client_address(request))

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            data["errors"] = [format_error(error) for error in result.errors]
        if result.extensions:
            data["extensions"] = result.extensions
        return data

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson first (the stdlib parser built a decoder per request); what it refuses
        # (integers beyond 64 bits, NaN, lone surrogates) the stdlib decides, as before.
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return json.loads(data)
