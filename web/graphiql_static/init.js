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

  // GraphiQL 4.1's history stores each run's headers (tokens included) in localStorage even
  // with header persistence off. Strip them from history and favorites unless the user turned
  // persistence on in the settings.
  var HEADERS_KEPT_IN = /^graphiql:(queries|favorites)$/;

  function withoutHeaders(value) {
    try {
      return JSON.stringify(JSON.parse(value), function (key, field) {
        return key === "headers" ? undefined : field;
      });
    } catch (error) {
      return value;
    }
  }

  function ownKeys() {
    return Object.keys(window.localStorage).filter(function (key) {
      return key.indexOf("graphiql:") === 0;
    });
  }

  var storage = {
    getItem: function (key) {
      return window.localStorage.getItem(key);
    },
    setItem: function (key, value) {
      var persist = window.localStorage.getItem("graphiql:shouldPersistHeaders") === "true";
      var kept = HEADERS_KEPT_IN.test(key) && !persist ? withoutHeaders(value) : value;
      window.localStorage.setItem(key, kept);
    },
    removeItem: function (key) {
      window.localStorage.removeItem(key);
    },
    clear: function () {
      ownKeys().forEach(function (key) {
        window.localStorage.removeItem(key);
      });
    },
    get length() {
      return ownKeys().length;
    },
  };

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
      storage: storage,
      inputValueDeprecation: true,
    }),
  );
})();
