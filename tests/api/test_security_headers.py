"""Security headers on every response, a CSP that GraphiQL can live with, CORS from settings."""

from __future__ import annotations

import re

import httpx
import pytest

from settings import Settings
from tests.hardening import app_with

ALLOWED = "https://app.example.com"
REFUSED = "https://evil.example.net"
TYPENAME = {"query": "query { __typename }"}


def directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_security_headers(response: httpx.Response, production: bool) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    if production:
        assert headers["strict-transport-security"].startswith("max-age=")
    else:
        assert "strict-transport-security" not in headers


async def every_kind_of_response(http: httpx.AsyncClient) -> list[httpx.Response]:
    return [
        await http.post("/graphql", json=TYPENAME),
        await http.post("/graphql", json={"query": "query { me { id } }"}),
        await http.post("/graphql", content=b"{", headers={"content-type": "application/json"}),
        await http.post("/graphql", content=b"x" * (1024 * 1024 + 1)),
        await http.put("/graphql"),
        await http.get("/healthz"),
        await http.get("/no-such-page"),
        await http.options(
            "/graphql",
            headers={"origin": REFUSED, "access-control-request-method": "POST"},
        ),
    ]


async def test_development_responses_carry_the_headers(http: httpx.AsyncClient) -> None:
    responses = await every_kind_of_response(http)
    assert [r.status_code for r in responses] == [200, 200, 400, 413, 405, 200, 404, 400]
    for response in responses:
        assert_security_headers(response, production=False)
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
    # and an answer to a request without Origin still says it varies by Origin
    assert responses[0].headers["vary"] == "Origin"


async def test_production_responses_add_hsts(settings: Settings) -> None:
    async with app_with(settings, app_env="production") as app:
        responses = await every_kind_of_response(app.http)
        responses.append(await app.http.get("/graphql", headers={"accept": "text/html"}))
        for response in responses:
            assert_security_headers(response, production=True)
            assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_the_graphiql_page_is_allowed_what_it_loads(http: httpx.AsyncClient) -> None:
    # given the GraphiQL page served in development (self-hosted, or strawberry's CDN page)
    page = await http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert_security_headers(page, production=False)
    csp = directives(page.headers["content-security-policy"])
    html = page.text
    # then every script and stylesheet it names comes from an allowed source
    scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html) + re.findall(
        r'<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"', html
    )
    assert scripts and styles
    for url in scripts:
        assert source_of(url) in csp["script-src"], url
    for url in styles:
        assert source_of(url) in csp["style-src"], url
    # and its inline scripts and styles, if any, may run
    if re.search(r"<script>\s*\S", html):
        assert "'unsafe-inline'" in csp["script-src"]
    if "<style>" in html:
        assert "'unsafe-inline'" in csp["style-src"]
    # and it may call the API on its own origin; its icon is a data: URL
    assert "'self'" in csp["connect-src"]
    assert 'href="data:' in html and "data:" in csp["img-src"]
    assert csp["frame-ancestors"] == ["'none'"]


def source_of(url: str) -> str:
    """The CSP source expression that covers `url`."""
    if "://" not in url:
        return "'self'"
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


async def test_no_cors_origins_means_no_cross_origin_access(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json=TYPENAME, headers={"origin": ALLOWED})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("origin", [ALLOWED, REFUSED])
async def test_cors_follows_cors_origins(settings: Settings, origin: str) -> None:
    # given an app that allows one origin
    async with app_with(settings, cors_origins=[ALLOWED]) as app:
        # when a browser preflights a POST with the headers Apollo Client sends
        preflight = await app.http.options(
            "/graphql",
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )
        # and then posts
        response = await app.http.post("/graphql", json=TYPENAME, headers={"origin": origin})
    assert response.status_code == 200
    if origin == ALLOWED:
        # then the allowed origin may send the request and read the answer
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ALLOWED
        allowed_headers = preflight.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed_headers and "content-type" in allowed_headers
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert response.headers["access-control-allow-origin"] == ALLOWED
    else:
        # and any other origin gets no grant the browser would honour
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in preflight.headers
        assert "access-control-allow-origin" not in response.headers
