"""web/security.py: what each response's header list becomes (`secured`, `CORS`)."""

from __future__ import annotations

from typing import Any

import pytest
import starlette.middleware.cors as cors_module

from web.security import API_CSP, CORS, GRAPHIQL_CSP, HSTS, secured, varying

JSON = (b"content-type", b"application/json")
HTML = (b"content-type", b"text/html; charset=utf-8")


def as_dict(headers: list[tuple[bytes, bytes]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in headers:
        found.setdefault(name.decode(), []).append(value.decode())
    return found


def test_a_graphql_answer_in_production_gets_every_header_once() -> None:
    # given a JSON answer that set its own frame option, CSP and cache policy
    headers = [JSON, (b"x-frame-options", b"SAMEORIGIN"), (b"Cache-Control", b"max-age=60")]
    headers.append((b"content-security-policy", b"default-src *"))
    # when it is secured as a production GraphQL answer
    found = as_dict(secured(headers, production=True, graphql=True))
    # then its own frame option stays, the CSP and cache policy are replaced, HSTS is added
    assert found["x-frame-options"] == ["SAMEORIGIN"]
    assert found["content-security-policy"] == [API_CSP]
    assert found["cache-control"] == ["no-store"] and "Cache-Control" not in found
    assert found["strict-transport-security"] == [HSTS]
    assert found["x-content-type-options"] == ["nosniff"]
    assert found["referrer-policy"] == ["no-referrer"]
    assert found["cross-origin-opener-policy"] == ["same-origin"]


def test_the_ide_page_in_development_gets_its_own_policy_and_may_be_cached() -> None:
    # when the HTML page is secured in development
    found = as_dict(secured([HTML], production=False, graphql=True))
    # then it gets GraphiQL's CSP, no HSTS and no no-store
    assert found["content-security-policy"] == [GRAPHIQL_CSP]
    assert "strict-transport-security" not in found
    assert "cache-control" not in found


def test_an_answer_to_a_request_without_origin_varies_by_origin() -> None:
    # given answers without and with a Vary header of their own
    plain = varying([JSON])
    merged = varying([JSON, (b"Vary", b"Accept-Encoding")])
    # then both vary by Origin too, in one header
    assert as_dict(plain)["vary"] == ["Origin"]
    assert as_dict(merged)["vary"] == ["Accept-Encoding, Origin"] and "Vary" not in as_dict(merged)


def test_only_the_first_content_type_says_whether_it_is_the_page() -> None:
    # given a JSON answer that also carries an HTML content type after its own
    headers = [JSON, HTML]
    # when it is secured as a development GraphQL answer
    found = as_dict(secured(headers, production=False, graphql=True))
    # then it is treated as the JSON it first says it is: no-store and the strict CSP
    assert found["cache-control"] == ["no-store"]
    assert found["content-security-policy"] == [API_CSP]


async def test_cors_leaves_a_request_without_origin_to_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given CORS around an app, and Starlette's header parsing made to fail
    sent: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [JSON]})

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    def refused(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("Starlette's CORS parsed the request's headers")

    monkeypatch.setattr(cors_module, "Headers", refused)
    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": [JSON]}
    # when a request without Origin passes
    await CORS(app, allow_origins=["https://app.example.com"])(scope, receive, send)
    # then the answer only varies by Origin
    assert as_dict(sent[0]["headers"]) == {"content-type": ["application/json"], "vary": ["Origin"]}
