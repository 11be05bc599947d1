"""GraphiQL served by the service itself, so the explorer works without internet access.

strawberry's own page loads React and GraphiQL from a CDN and is blank offline. `make
graphiql-assets` installs pinned npm packages into clients/graphiql/node_modules; when they
are there, GET /graphql (from a browser) gets our page, which loads them from
/graphiql-assets/. When they are missing, strawberry's CDN page stays as the fallback.
Never in production: main.py asks for it only outside production.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from settings import Settings

log = logging.getLogger("gpt_supporter.graphiql")

PREFIX = "/graphiql-assets"
DEFAULT_PACKAGES = Path(__file__).resolve().parent.parent / "clients" / "graphiql" / "node_modules"
_OWN = Path(__file__).resolve().parent / "graphiql_static"

# Only these files are served: a fixed list, never a path taken from the request.
_PACKAGE_FILES = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}
_OWN_FILES = {"init.js": "init.js"}
_PAGE_SLOTS = {
    "react_js": "react.production.min.js",
    "react_dom_js": "react-dom.production.min.js",
    "graphiql_js": "graphiql.min.js",
    "graphiql_css": "graphiql.min.css",
    "init_js": "init.js",
}
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass(frozen=True)
class OfflineGraphiQL:
    """The page and the files it loads; built once at startup."""

    html: str
    files: dict[str, Path]

    def page(self) -> HTMLResponse:
        # web.security adds the page's Content-Security-Policy.
        return HTMLResponse(self.html, headers={"cache-control": "no-store"})


def _version_tag(path: Path) -> str:
    # Content-addressed URLs let browsers cache the big bundles for good.
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def installed_versions(packages: Path = DEFAULT_PACKAGES) -> dict[str, str]:
    """The versions npm installed, for the startup log."""
    versions = {}
    for name in ("graphiql", "react", "react-dom"):
        try:
            manifest = json.loads((packages / name / "package.json").read_text())
        except (OSError, ValueError):
            continue
        versions[name] = str(manifest.get("version", "unknown"))
    return versions


def load_offline_graphiql(packages: Path | None = None) -> OfflineGraphiQL | None:
    """The offline page, or None (and a warning) when the npm packages are not installed."""
    packages = packages or DEFAULT_PACKAGES
    files = {name: packages / relative for name, relative in _PACKAGE_FILES.items()}
    files.update({name: _OWN / relative for name, relative in _OWN_FILES.items()})
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        log.warning(
            "GraphiQL assets missing (%s); /graphql falls back to the CDN page. "
            "Run `make graphiql-assets` to serve them locally.",
            ", ".join(missing),
        )
        return None
    urls = {
        slot: f"{PREFIX}/{name}?v={_version_tag(files[name])}" for slot, name in _PAGE_SLOTS.items()
    }
    html = Template((_OWN / "graphiql.html").read_text()).substitute(urls)
    log.info("GraphiQL served offline: %s", installed_versions(packages))
    return OfflineGraphiQL(html=html, files=files)


async def graphiql_asset(request: Request) -> Response:
    """GET /graphiql-assets/{name}: one of the fixed files, or 404 (always 404 in production)."""
    graphiql: OfflineGraphiQL | None = getattr(request.app.state, "graphiql", None)
    name = request.path_params["name"]
    if graphiql is None or name not in graphiql.files:
        return PlainTextResponse("Not Found", status_code=404)
    path = graphiql.files[name]
    return FileResponse(
        path,
        media_type=_MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
        headers={
            "cache-control": "public, max-age=31536000, immutable",
            "x-content-type-options": "nosniff",
        },
    )


def offline_graphiql(settings: Settings) -> OfflineGraphiQL | None:
    """What main.py serves at GET /graphql: never anything in production."""
    if settings.is_production:
        return None
    return load_offline_graphiql(settings.graphiql_assets_dir)


GRAPHIQL_ASSETS_ROUTE = Route(f"{PREFIX}/{{name}}", graphiql_asset, methods=["GET", "HEAD"])
