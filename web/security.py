"""Security headers on every response (OWASP Secure Headers / HTTP Headers Cheat Sheet).

The API answers JSON only, so its Content-Security-Policy allows nothing at all. The one
HTML page, GraphiQL in development, loads its scripts and styles from unpkg.com and runs an
inline script; it gets a policy that allows exactly that. Production never serves it.
HSTS only in production: in development it would pin plain-http localhost to https.
GraphQL answers are `Cache-Control: no-store`: they carry tokens (signIn, refreshToken,
changePassword) and a caller's private data, and no proxy or browser cache may keep them.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
GRAPHIQL_CSP = (
    "default-src 'self'; "
    "script-src 'self' 'unsafe-inline' https://unpkg.com; "
    "style-src 'self' 'unsafe-inline' https://unpkg.com; "
    "font-src 'self' data: https://unpkg.com; "
    "img-src 'self' data:; "
    "connect-src 'self'; "
    "worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HSTS = "max-age=63072000; includeSubDomains"
COMMON = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
)
# As raw ASGI headers, built once: each response gets them on its header list (Starlette's
# MutableHeaders cost ~40 calls a response for the same).
_COMMON = tuple((name.encode(), value.encode()) for name, value in COMMON)
_CONTENT_TYPE = b"content-type"
_CSP, _HSTS, _CACHE = b"content-security-policy", b"strict-transport-security", b"cache-control"
_API_CSP, _GRAPHIQL_CSP, _HSTS_VALUE = API_CSP.encode(), GRAPHIQL_CSP.encode(), HSTS.encode()
_NO_STORE = b"no-store"


def secured(
    headers: list[tuple[bytes, bytes]], production: bool, graphql: bool
) -> list[tuple[bytes, bytes]]:
    """`headers` with the security headers: the common ones unless the response set them, the
    CSP (and HSTS, and no-store for GraphQL answers) in place of any it set."""
    html: bool | None = None  # from the first Content-Type only, as MutableHeaders read it
    present = set()
    for name, value in headers:
        lowered = name.lower()
        present.add(lowered)
        if lowered == _CONTENT_TYPE and html is None:
            html = value.startswith(b"text/html")
    replaced = {_CSP}
    if production:
        replaced.add(_HSTS)
    html = bool(html)
    no_store = graphql and not html
    if no_store:
        replaced.add(_CACHE)
    kept = (
        [pair for pair in headers if pair[0].lower() not in replaced]
        if present & replaced
        else headers
    )
    kept.extend(pair for pair in _COMMON if pair[0] not in present)
    kept.append((_CSP, _GRAPHIQL_CSP if html and not production else _API_CSP))
    if production:
        kept.append((_HSTS, _HSTS_VALUE))
    if no_store:
        kept.append((_CACHE, _NO_STORE))
    return kept


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        services = getattr(scope["app"].state, "services", None)
        # Before the settings are known, assume the stricter of the two.
        production = services is None or services.settings.is_production
        graphql = scope["path"] == "/graphql"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secured(list(message.get("headers", ())), production, graphql)
            await send(message)

        await self.app(scope, receive, send_with_headers)


_ORIGIN, _VARY = b"origin", b"vary"


class CORS(CORSMiddleware):
    """Starlette's CORS, which for a request without an Origin header (every same-origin or
    non-browser client) only marks the answer `Vary: Origin`: that is done here without
    parsing the request's headers twice over (~25 calls a request)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == _ORIGIN for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def send_varying(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = varying(list(message.get("headers", ())))
            await send(message)

        await self.app(scope, receive, send_varying)


def varying(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` with Origin added to Vary, as Starlette's CORS adds it."""
    values = [value for name, value in headers if name.lower() == _VARY]
    if not values:
        headers.append((_VARY, b"Origin"))
        return headers
    kept = [pair for pair in headers if pair[0].lower() != _VARY]
    kept.append((_VARY, b", ".join([*values, b"Origin"])))
    return kept
