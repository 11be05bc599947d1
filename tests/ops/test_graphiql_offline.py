"""GraphiQL from the service's own files: the page, its assets, the CDN fallback, production.

The npm packages are stood in for by small files here (pytest must not need npm); the
browser test in clients/test/graphiql.test.ts runs the real ones in Chromium.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from settings import Settings
from tests.hardening import app_with

HTML = {"accept": "text/html"}
PACKAGE_FILES = {
    "react/umd/react.production.min.js": "window.React = {};",
    "react-dom/umd/react-dom.production.min.js": "window.ReactDOM = {};",
    "graphiql/graphiql.min.js": "window.GraphiQL = function () {};",
    "graphiql/graphiql.min.css": ".graphiql-container { display: flex; }",
}
ASSET_URL = re.compile(r'(?:src|href)="(/graphiql-assets/[^"]+)"')


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    for relative, text in PACKAGE_FILES.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


async def test_page_loads_everything_from_the_service(settings: Settings, packages: Path) -> None:
    # given the packages installed
    async with app_with(settings, graphiql_assets_dir=packages) as app:
        # when a browser opens /graphql
        page = await app.http.get("/graphql", headers=HTML)

        # then it gets our page, whose scripts and styles all come from /graphiql-assets/
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-store"
        assert "unpkg" not in page.text and "https://" not in page.text
        urls = ASSET_URL.findall(page.text)
        assert len(urls) == 5, page.text

        # and each asset is served with its type and a long cache lifetime
        served = {}
        for url in urls:
            response = await app.http.get(url)
            assert response.status_code == 200, url
            kind = "text/css" if ".css" in url else "text/javascript"
            assert response.headers["content-type"].startswith(kind)
            assert "immutable" in response.headers["cache-control"]
            served[url.split("?")[0].rsplit("/", 1)[1]] = response.text
        for relative, text in PACKAGE_FILES.items():
            assert served[relative.rsplit("/", 1)[1]] == text
        assert "shouldPersistHeaders: false" in served["init.js"]


async def test_only_the_listed_files_are_served(settings: Settings, packages: Path) -> None:
    # given the packages installed, with other files beside them
    (packages / "graphiql" / "package.json").write_text("{}")
    async with app_with(settings, graphiql_assets_dir=packages) as app:
        # when a client asks for anything outside the fixed list
        for path in (
            "/graphiql-assets/package.json",
            "/graphiql-assets/graphiql%2Fpackage.json",
            "/graphiql-assets/..%2F..%2Fsettings.py",
            "/graphiql-assets/graphiql.html",
        ):
            response = await app.http.get(path)

            # then it is not found
            assert response.status_code == 404, path


async def test_without_the_packages_the_cdn_page_is_the_fallback(
    settings: Settings, tmp_path: Path
) -> None:
    # given no packages installed
    async with app_with(settings, graphiql_assets_dir=tmp_path / "missing") as app:
        # when a browser opens /graphql
        page = await app.http.get("/graphql", headers=HTML)

        # then strawberry's page (from the CDN) is served, and no asset is
        assert page.status_code == 200
        assert "unpkg.com/graphiql" in page.text
        assert (await app.http.get("/graphiql-assets/init.js")).status_code == 404


async def test_production_serves_neither_page_nor_assets(
    settings: Settings, packages: Path
) -> None:
    # given a production app with the packages installed
    async with app_with(settings, app_env="production", graphiql_assets_dir=packages) as app:
        # when a browser opens /graphql and asks for the assets
        page = await app.http.get("/graphql", headers=HTML)
        assets = [await app.http.get(f"/graphiql-assets/{name}") for name in ("init.js", "x")]

        # then there is no IDE and no asset
        assert "GraphiQL" not in page.text
        assert [response.status_code for response in assets] == [404, 404]
