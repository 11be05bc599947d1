"""The GraphQL endpoint: per-request Context, JSON errors with codes, fast JSON."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult

from auth.tokens import bearer_token
from resolvers.context import Context
from schema import request_json
from schema.errors import format_error
from schema.limits import oversized_answer
from schema.trusted import TrustedDocuments, names_document, with_document_id
from services import Services


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
        run = functools.partial(
            super().execute_single, request, request_adapter, sub_response, context, root_value
        )
        return await self.trusted.execute(request_data, run)

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
