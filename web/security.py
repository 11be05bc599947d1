"""Security headers on every response (OWASP Secure Headers / HTTP Headers Cheat Sheet).

The API answers JSON only, so its Content-Security-Policy allows nothing at all. The one
HTML page, GraphiQL in development, loads its scripts and styles from unpkg.com and runs an
inline script; it gets a policy that allows exactly that. Production never serves it.
HSTS only in production: in development it would pin plain-http localhost to https.
GraphQL answers are `Cache-Control: no-store`: they carry tokens (signIn, refreshToken,
changePassword) and a caller's private data, and no proxy or browser cache may keep them.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
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

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", []))
                headers = MutableHeaders(scope=message)
                for name, value in COMMON:
                    headers.setdefault(name, value)
                html = headers.get("content-type", "").startswith("text/html")
                headers["content-security-policy"] = (
                    GRAPHIQL_CSP if html and not production else API_CSP
                )
                if production:
                    headers["strict-transport-security"] = HSTS
                if scope["path"] == "/graphql" and not html:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
