// GraphiQL in headless Chromium (Debian's), offline: the page, a public query, `me` with a token.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";

import { chromium, type BrowserContext, type Page } from "playwright-core";

import { SignInDocument, SignUpDocument } from "../generated/gql/graphql.js";
import { createClient } from "../src/apollo.js";
import { MANIFEST_PATH, REPO_ROOT, startServer, type RunningServer } from "./server.js";

const CHROMIUM = process.env["CHROMIUM"] ?? "/usr/bin/chromium";
// Without the networking flags Chromium keeps dialing out, and this machine refuses it.
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const OUTPUT = resolve(REPO_ROOT, "clients", "test-output");
const PASSWORD = "correct horse battery";

const QUERY_EDITOR = ".graphiql-query-editor .CodeMirror";
const HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror";
const RESULT = ".result-window .CodeMirror";

interface CodeMirrorElement {
  CodeMirror: { setValue(value: string): void; getValue(): string };
}

async function setEditor(page: Page, selector: string, text: string): Promise<void> {
  // Through CodeMirror's API, as typing would: GraphiQL sees the change events.
  await page.$eval(
    selector,
    (element, value) => (element as unknown as CodeMirrorElement).CodeMirror.setValue(value),
    text,
  );
}

async function editorText(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => (element as unknown as CodeMirrorElement).CodeMirror.getValue());
}

/**
 * Puts `query` in the editor, presses Run, and returns the result pane's JSON once it changes.
 * GraphiQL parses the editor after a debounce and names the tab after the operation; Run
 * before that would send (and record in history) the previous operation, so each query
 * here has its own name and we wait for the tab to show it.
 */
async function run(page: Page, query: string, title = "<untitled>"): Promise<Record<string, any>> {
  await setEditor(page, RESULT, "");
  await setEditor(page, QUERY_EDITOR, query);
  await page.waitForFunction(
    (expected) => document.querySelector(".graphiql-tab-active")?.textContent?.trim() === expected,
    title,
    { timeout: 10_000 },
  );
  await page.click(".graphiql-execute-button");
  await page.waitForFunction(
    (selector) => {
      const element = document.querySelector(selector) as unknown as CodeMirrorElement | null;
      return Boolean(element && element.CodeMirror.getValue().trim().startsWith("{"));
    },
    RESULT,
    { timeout: 15_000 },
  );
  return JSON.parse(await editorText(page, RESULT)) as Record<string, any>;
}

describe("GraphiQL served offline, in Chromium", () => {
  let server: RunningServer;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  let token = "";
  const offsite: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    // Development with the manifest set: `allow` by default, so the app's ids run and GraphiQL's
    // documents, sent as text, still do.
    server = await startServer({ TRUSTED_DOCUMENTS: MANIFEST_PATH });
    const client = createClient({ uri: server.graphqlUrl, getAccessToken: () => null });
    const input = { username: "graphiqluser", password: PASSWORD };
    await client.mutate({
      mutation: SignUpDocument,
      variables: { input: { ...input, email: "graphiql@example.com" } },
    });
    const signedIn = await client.mutate({ mutation: SignInDocument, variables: { input } });
    token = signedIn.data?.signIn.accessToken ?? "";
    client.stop();
    assert.ok(token);

    profile = mkdtempSync(join(tmpdir(), "gpt-supporter-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 800 },
    });
    // Offline means offline: any request that leaves this server fails the test.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url) || url.startsWith("data:")) return route.continue();
      offsite.push(url);
      return route.abort();
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.stop();
  });

  it("renders GraphiQL from the service's own assets", async () => {
    // when a browser opens /graphql
    const response = await page.goto(`${server.url}/graphql`);

    // then the page is ours, and the editor renders without a single request elsewhere
    assert.equal(response?.status(), 200);
    await page.waitForSelector(QUERY_EDITOR, { timeout: 20_000 });
    const scripts = await page.$$eval("script[src]", (all) => all.map((s) => s.getAttribute("src")));
    assert.ok(scripts.every((src) => src?.startsWith("/graphiql-assets/")), String(scripts));
    assert.deepEqual(offsite, []);
    assert.deepEqual(pageErrors, []);
  });

  it("runs a public query with no token", async () => {
    const result = await run(page, "{ publicScripts(first: 1) { totalCount } }");
    assert.deepEqual(result, { data: { publicScripts: { totalCount: 0 } } });
  });

  it("shows UNAUTHENTICATED for `me` without a token", async () => {
    const result = await run(page, "query SignedOut { me { username } }", "SignedOut");
    assert.equal(result["errors"]?.[0]?.extensions?.code, "UNAUTHENTICATED");
  });

  it("runs `me` with the token put in the headers editor, and does not store it", async () => {
    // given the Authorization header typed into the Headers tab
    await page.click("button:text-is('Headers')");
    await setEditor(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${token}` }));

    // when `me` runs
    const result = await run(page, "query Me { me { username isAdmin } }", "Me");

    // then the server saw the token
    assert.deepEqual(result, { data: { me: { username: "graphiqluser", isAdmin: false } } });
    // and once the run is in GraphiQL's history, no stored entry holds the token
    // (persistence is off by default; history kept headers until the page stripped them)
    await page.waitForFunction(
      () => (window.localStorage.getItem("graphiql:queries") ?? "").includes("isAdmin"),
      undefined,
      { timeout: 10_000 },
    );
    const stored = await page.evaluate(() => ({ ...window.localStorage }));
    const holding = Object.keys(stored).filter((key) => stored[key]?.includes(token));
    assert.deepEqual(holding, [], `the token must not be persisted: ${JSON.stringify(stored)}`);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "graphiql.png") });
    assert.deepEqual(offsite, []);
    assert.deepEqual(pageErrors, []);
  });
});
