// Starts GraphiQL against this page's own URL. Served by the API itself: no CDN, no inline script.
(function () {
  "use strict";

  var DEFAULT_QUERY = [
    "# GPT Supporter API",
    "#",
    "# Public scripts need no token. For the rest, run signIn",
    "# and put its accessToken in Headers below:",
    '#   {"Authorization": "Bearer <accessToken>"}',
    "# Headers are not stored unless you turn on",
    "# header persistence in the settings (gear icon).",
    "",
    "query PublicScripts {",
    "  publicScripts(first: 5) {",
    "    totalCount",
    "    edges { node { id name descriptionSummary } }",
    "  }",
    "}",
    "",
  ].join("\n");

  var url = window.location.origin + window.location.pathname;
  var fetcher = GraphiQL.createFetcher({ url: url });

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      // Tokens pasted into the headers editor must not land in localStorage by default.
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    }),
  );
})();
