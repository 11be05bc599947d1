# Client checks (included by the Makefile): typed operations from schema.graphql, Apollo
# Client 4 and GraphiQL against the real service. npm's cache stays in the ignored
# clients/.cache/npm; node_modules, generated/ and .build/ are ignored too.
NPM_CACHE := $(CURDIR)/clients/.cache/npm
NPM_CI := npm ci --cache $(NPM_CACHE) --prefer-offline --no-audit --no-fund --loglevel=error
CLIENTS_STAMP := clients/node_modules/.installed
GRAPHIQL_STAMP := clients/graphiql/node_modules/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: graphiql-assets clients-install clients-codegen clients-typecheck clients-test chromium

# GraphiQL, React and ReactDOM for the offline explorer at /graphql (development only).
graphiql-assets: $(GRAPHIQL_STAMP)

$(GRAPHIQL_STAMP): clients/graphiql/package-lock.json
	cd clients/graphiql && $(NPM_CI)
	@touch $@

clients-install: $(CLIENTS_STAMP)

$(CLIENTS_STAMP): clients/package-lock.json
	cd clients && $(NPM_CI)
	@touch $@

# Fails when an operation in clients/operations no longer fits schema.graphql.
clients-codegen: clients-install
	cd clients && npm run --silent codegen

clients-typecheck: clients-codegen
	cd clients && npm run --silent typecheck

# Debian's Chromium for the browser test; no browser download from anywhere else.
chromium:
	@test -x $(CHROMIUM) || { apt-get -o DPkg::Lock::Timeout=300 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium; }

clients-test: install clients-typecheck graphiql-assets chromium
	cd clients && CHROMIUM=$(CHROMIUM) npm test
