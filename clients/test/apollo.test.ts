// Apollo Client 4 against the real service in `require` mode (trusted documents only): auth link,
// relay paging both ways, cache updates, codes, queries by id over GET, and what is refused.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import type { ApolloClient, ObservableQuery } from "@apollo/client";
import { firstValueFrom, filter } from "rxjs";

import { ErrorCode } from "../generated/enums.js";
import {
  CreateRefBookDocument,
  CreateRefDataDocument,
  CreateSystemInfoDocument,
  DeleteRefBookDocument,
  DeleteSystemInfoDocument,
  DialoguePreviewTextDocument,
  GeneratedDialogueDocument,
  type Language,
  MeDocument,
  PublicScriptsDocument,
  RefBookDocument,
  RefBooksDocument,
  RefreshTokenDocument,
  SignInDocument,
  SignOutDocument,
  SignOutEverywhereDocument,
  SignUpDocument,
  SystemInfoDocument,
  SystemInfosDocument,
  UpdateRefBookDocument,
  UpdateSystemInfoDocument,
  type RefBooksQuery,
  type RefBooksQueryVariables,
} from "../generated/gql/graphql.js";
import { createClient, errorCode } from "../src/apollo.js";
import { MANIFEST } from "../src/persisted.js";
import { MANIFEST_PATH, startServer, type RunningServer } from "./server.js";

const BOOKS = 25;
const PAGE = 10;
const PASSWORD = "correct horse battery";

type BookEdge = RefBooksQuery["refBooks"]["edges"][number];

function bookTitle(n: number): string {
  return `Book ${String(n).padStart(2, "0")}`;
}

/** Newest first: the last book created comes first. */
const NEWEST_FIRST = Array.from({ length: BOOKS }, (_, i) => bookTitle(BOOKS - i));

/** The promise must fail with a GraphQL error carrying `code` in extensions.code. */
async function expectCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  let caught: unknown;
  try {
    const result = (await work) as { error?: unknown };
    caught = result.error;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, `expected ${code}, got success`);
  assert.equal(errorCode(caught), code, String(caught));
}

/** The store field names of the refBooks lists in the normalized cache (one per key args). */
function bookLists(client: ApolloClient): string[] {
  const snapshot = client.cache.extract() as Record<string, Record<string, unknown>>;
  return Object.keys(snapshot["ROOT_QUERY"] ?? {}).filter((key) => key.startsWith("refBooks"));
}

/** The raw normalized cache: each RefBook entity once, and the merged unsearched list. */
function cachedBooks(client: ApolloClient): { entities: string[]; listed: string[] } {
  const snapshot = client.cache.extract() as Record<string, Record<string, unknown>>;
  const entities = Object.keys(snapshot).filter((key) => key.startsWith("RefBook:"));
  const unsearched = bookLists(client).find((key) => !key.includes("search") && !key.includes("orderBy"));
  assert.ok(unsearched, `no unsearched list among ${bookLists(client).join(", ")}`);
  const field = snapshot["ROOT_QUERY"]?.[unsearched] as { edges: { node: { __ref: string } }[] };
  return { entities, listed: field.edges.map((edge) => edge.node.__ref) };
}

/** Fetches more in the direction given until the list ends; the number of fetchMore calls. */
async function pageToTheEnd(
  query: ObservableQuery<RefBooksQuery, RefBooksQueryVariables>,
  page: RefBooksQuery,
): Promise<number> {
  let fetches = 0;
  while (page.refBooks.pageInfo.hasNextPage) {
    assert.ok(fetches++ < BOOKS, "paging terminates");
    const more = await query.fetchMore({ variables: { after: page.refBooks.pageInfo.endCursor } });
    page = more.data as RefBooksQuery;
  }
  return fetches;
}

function readTitles(client: ApolloClient, variables: RefBooksQueryVariables): string[] {
  const data = client.readQuery({ query: RefBooksDocument, variables });
  assert.ok(data, "the list is in the cache");
  return data.refBooks.edges.map((edge: BookEdge) => edge.node.title);
}

async function firstComplete(
  query: ObservableQuery<RefBooksQuery, RefBooksQueryVariables>,
): Promise<RefBooksQuery> {
  const result = await firstValueFrom(query.pipe(filter((each) => each.dataState === "complete")));
  return result.data as RefBooksQuery;
}

/** What one request carried: its method, and the GraphQL parameters in its body or URL. */
interface Sent {
  method: string;
  params: Record<string, unknown>;
}

/** A fetch that notes every GraphQL request before sending it. */
function recordingFetch(sent: Sent[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const params: Record<string, unknown> =
      method === "GET"
        ? Object.fromEntries([...url.searchParams].map(([k, v]) => [k, k === "query" || k === "operationName" ? v : JSON.parse(v)]))
        : JSON.parse(String(init?.body));
    sent.push({ method, params });
    return fetch(input, init);
  };
}

/** The bare hex ids of the manifest, as Apollo's `sha256Hash` carries them. */
const KNOWN_HASHES = new Set(Object.keys(MANIFEST).map((id) => id.replace(/^sha256:/, "")));

describe("Apollo Client against the service", () => {
  let server: RunningServer;
  let token: string | null = null;
  let client: ApolloClient;
  const sent: Sent[] = [];
  const bookIds = new Map<string, string>();
  let systemInfoId = "";

  before(async () => {
    // The service trusts codegen's manifest and runs nothing else.
    server = await startServer({ TRUSTED_DOCUMENTS: MANIFEST_PATH, TRUSTED_DOCUMENTS_MODE: "require" });
    client = createClient({
      uri: server.graphqlUrl,
      getAccessToken: () => token,
      fetch: recordingFetch(sent),
    });
  });

  after(async () => {
    await client?.clearStore();
    client?.stop();
    await server?.stop();
  });

  it("signs up, signs in, refreshes, and the auth link sends the token", async () => {
    // given a new account
    const username = "reactuser";
    const signedUp = await client.mutate({
      mutation: SignUpDocument,
      variables: { input: { username, email: "react@example.com", password: PASSWORD } },
    });
    assert.equal(signedUp.data?.signUp.username, username);

    // when the app signs in and keeps the access token
    const signedIn = await client.mutate({
      mutation: SignInDocument,
      variables: { input: { username, password: PASSWORD } },
    });
    const auth = signedIn.data?.signIn;
    assert.ok(auth && auth.accessToken && auth.refreshToken);
    assert.ok(auth.expiresIn > 0);

    // and trades the refresh token for a new pair
    const refreshed = await client.mutate({
      mutation: RefreshTokenDocument,
      variables: { refreshToken: auth.refreshToken },
    });
    assert.ok(refreshed.data);
    assert.notEqual(refreshed.data.refreshToken.refreshToken, auth.refreshToken);
    token = refreshed.data.refreshToken.accessToken;

    // then `me` (which needs the token) answers as that user
    const me = await client.query({ query: MeDocument, fetchPolicy: "network-only" });
    assert.equal(me.data?.me.username, username);
    assert.equal(me.data?.me.id, signedUp.data?.signUp.id);
  });

  it("creates 25 books", async () => {
    for (let n = 1; n <= BOOKS; n++) {
      const created = await client.mutate({
        mutation: CreateRefBookDocument,
        variables: { input: { author: `Author ${n}`, title: bookTitle(n) } },
      });
      assert.ok(created.data);
      bookIds.set(bookTitle(n), created.data.createRefBook.id);
    }
    assert.equal(new Set(bookIds.values()).size, BOOKS);
  });

  it("pages forward with first/after; the cache holds each book once, in order", async () => {
    // given the first page
    const variables = { first: PAGE };
    const books = client.watchQuery({ query: RefBooksDocument, variables });
    const watching = books.subscribe({});
    try {
      let page = await firstComplete(books);
      assert.equal(page.refBooks.totalCount, BOOKS);
      assert.deepEqual(readTitles(client, variables), NEWEST_FIRST.slice(0, PAGE));

      // when the app fetches more after the last cursor until there is no next page
      let fetches = 0;
      while (page.refBooks.pageInfo.hasNextPage) {
        assert.ok(fetches++ < BOOKS, "paging terminates");
        const more = await books.fetchMore({
          variables: { after: page.refBooks.pageInfo.endCursor },
        });
        page = more.data as RefBooksQuery;
      }

      // then three requests held 10 + 10 + 5 books, merged newest first, each exactly once
      assert.equal(fetches, 2);
      assert.deepEqual(readTitles(client, variables), NEWEST_FIRST);
      const { entities, listed } = cachedBooks(client);
      assert.equal(entities.length, BOOKS);
      assert.equal(new Set(listed).size, BOOKS);
      assert.deepEqual(
        listed,
        NEWEST_FIRST.map((title) => `RefBook:${bookIds.get(title)}`),
      );
      const merged = client.readQuery({ query: RefBooksDocument, variables });
      assert.equal(merged?.refBooks.pageInfo.hasNextPage, false);
    } finally {
      watching.unsubscribe();
    }
  });

  it("pages backward with last/before into a fresh cache, with the same result", async () => {
    // given a second client (a fresh cache) that starts from the oldest page
    const backward = createClient({
      uri: server.graphqlUrl,
      getAccessToken: () => token,
      fetch: recordingFetch(sent),
    });
    const variables = { last: PAGE };
    const books = backward.watchQuery({ query: RefBooksDocument, variables });
    const watching = books.subscribe({});
    try {
      let page = await firstComplete(books);
      assert.deepEqual(readTitles(backward, variables), NEWEST_FIRST.slice(BOOKS - PAGE));
      assert.equal(page.refBooks.pageInfo.hasNextPage, false);

      // when it fetches more before the first cursor until there is no previous page
      let fetches = 0;
      while (page.refBooks.pageInfo.hasPreviousPage) {
        assert.ok(fetches++ < BOOKS, "paging terminates");
        const more = await books.fetchMore({
          variables: { before: page.refBooks.pageInfo.startCursor },
        });
        page = more.data as RefBooksQuery;
      }

      // then pages were prepended: the same 25 books, newest first, each exactly once
      assert.equal(fetches, 2);
      assert.deepEqual(readTitles(backward, variables), NEWEST_FIRST);
      const { entities, listed } = cachedBooks(backward);
      assert.equal(entities.length, BOOKS);
      assert.equal(new Set(listed).size, BOOKS);
      const merged = backward.readQuery({ query: RefBooksDocument, variables });
      assert.equal(merged?.refBooks.pageInfo.hasPreviousPage, false);
    } finally {
      watching.unsubscribe();
      backward.stop();
    }
  });

  it("pages searched, ordered lists; each search and order is a list of its own", async () => {
    // given two searches in two orders (search ignores case), watched in the same cache
    const teens: RefBooksQueryVariables = {
      first: 4,
      search: "BOOK 1",
      orderBy: { field: "TITLE", direction: "ASC" },
    };
    const twenties: RefBooksQueryVariables = {
      first: 4,
      search: "book 2",
      orderBy: { field: "TITLE", direction: "DESC" },
    };
    const unsearched = readTitles(client, { first: PAGE });
    const queries = [teens, twenties].map((variables) => client.watchQuery({ query: RefBooksDocument, variables }));
    const watching = queries.map((query) => query.subscribe({}));
    try {
      // when each is paged to its end with fetchMore
      const fetches: number[] = [];
      for (const query of queries) {
        const page = await firstComplete(query);
        fetches.push(await pageToTheEnd(query, page));
      }

      // then each list holds exactly its matches, in its order, merged from its own pages
      assert.deepEqual(fetches, [2, 1]);
      const expectedTeens = Array.from({ length: 10 }, (_, i) => bookTitle(10 + i));
      const expectedTwenties = Array.from({ length: 6 }, (_, i) => bookTitle(25 - i));
      assert.deepEqual(readTitles(client, teens), expectedTeens);
      assert.deepEqual(readTitles(client, twenties), expectedTwenties);
      const merged = client.readQuery({ query: RefBooksDocument, variables: teens });
      assert.equal(merged?.refBooks.totalCount, 10);
      assert.equal(merged?.refBooks.pageInfo.hasNextPage, false);

      // and the unsearched, newest-first list beside them is untouched, three lists in all
      assert.deepEqual(readTitles(client, { first: PAGE }), unsearched);
      assert.equal(bookLists(client).length, 3, bookLists(client).join(", "));
      assert.equal(cachedBooks(client).entities.length, BOOKS);
    } finally {
      for (const each of watching) each.unsubscribe();
    }

    // and a cursor of one list is refused by another (BAD_USER_INPUT), not misread
    const first = await client.query({ query: RefBooksDocument, variables: teens, fetchPolicy: "network-only" });
    const cursor = first.data?.refBooks.pageInfo.endCursor;
    assert.ok(cursor);
    await expectCode(
      client.query({ query: RefBooksDocument, variables: { ...twenties, after: cursor }, fetchPolicy: "network-only" }),
      ErrorCode.BAD_USER_INPUT,
    );
  });

  it("creates a SystemInfo linking books and a material, and reads its generatedDialogue", async () => {
    // given a material and two books, linked in the order Book 03, Book 01
    const material = await client.mutate({
      mutation: CreateRefDataDocument,
      variables: { input: { title: "Lecture notes", content: "Newton's laws" } },
    });
    assert.ok(material.data);
    const created = await client.mutate({
      mutation: CreateSystemInfoDocument,
      variables: {
        input: {
          language: "EN" satisfies Language,
          major: "Physics",
          understandingLevel: 2,
          dataSequence: true,
          refBookIds: [bookIds.get(bookTitle(3))!, bookIds.get(bookTitle(1))!],
          refDataIds: [material.data.createRefData.id],
        },
      },
    });
    assert.ok(created.data);
    systemInfoId = created.data.createSystemInfo.id;
    assert.deepEqual(
      created.data.createSystemInfo.refBooks.map((book) => book.title),
      [bookTitle(3), bookTitle(1)],
    );

    // when the app reads the dialogue
    const dialogue = await client.query({
      query: GeneratedDialogueDocument,
      variables: { id: systemInfoId },
    });

    // then it is docs/design.md's script for that SystemInfo, message by message
    assert.deepEqual(dialogue.data?.systemInfo?.generatedDialogue, [
      "You are a tutor for a university student majoring in Physics. " +
        "Explain everything at the level of a second-year undergraduate.",
      "These are the textbooks I study with, one per message, written as 'Author - Title'. " +
        "Base your answers on them. I will write 'End of textbooks.' when the list is complete.",
      "'Author 3 - Book 03'",
      "'Author 1 - Book 01'",
      "End of textbooks.",
      "Next come my reference materials, one per message, each wrapped in triple quotes as " +
        '"""Title: ... Content: ...""". ' +
        "I will write 'End of reference materials.' when they are complete." +
        " They are in order: read them as a sequence.",
      '"""Title: Lecture notes\nContent: Newton\'s laws"""',
      "End of reference materials.",
      "That is all the context about me and my materials.",
      "From now on, answer only in English, whatever language I write in.",
    ]);
    const stored = dialogue.data?.systemInfo;
    assert.ok(stored);
    assert.equal(stored.generatedDialogueText, stored.generatedDialogue.join("\n\n"));
    assert.equal(stored.dialogueCharacters, [...stored.generatedDialogueText].length);

    // and the preview of the same settings, before any save, is the same script
    const preview = await client.query({
      query: DialoguePreviewTextDocument,
      variables: {
        input: {
          language: "EN",
          major: "Physics",
          understandingLevel: 2,
          dataSequence: true,
          refBookIds: [bookIds.get(bookTitle(3))!, bookIds.get(bookTitle(1))!],
          refDataIds: [material.data.createRefData.id],
        },
      },
    });
    assert.deepEqual(preview.data?.dialoguePreviewText, {
      __typename: "DialoguePreview",
      generatedDialogue: stored.generatedDialogue,
      generatedDialogueText: stored.generatedDialogueText,
      dialogueCharacters: stored.dialogueCharacters,
    });
  });

  it("updates through the normalized cache and evicts what it deletes", async () => {
    // given the SystemInfo in the cache
    await client.query({ query: SystemInfoDocument, variables: { id: systemInfoId } });
    const book1 = bookIds.get(bookTitle(1))!;
    const book3 = bookIds.get(bookTitle(3))!;

    // when a book is renamed, the list and the SystemInfo show it with no refetch
    await client.mutate({
      mutation: UpdateRefBookDocument,
      variables: { id: book1, input: { title: "Book 01, 2nd edition" } },
    });
    const titles = readTitles(client, { first: PAGE });
    assert.equal(titles[BOOKS - 1], "Book 01, 2nd edition");
    const cachedInfo = client.readQuery({ query: SystemInfoDocument, variables: { id: systemInfoId } });
    assert.deepEqual(
      cachedInfo?.systemInfo?.refBooks.map((book) => book.title),
      [bookTitle(3), "Book 01, 2nd edition"],
    );

    // and a book is deleted, with cache.evict on the id the mutation returns
    const deleted = await client.mutate({
      mutation: DeleteRefBookDocument,
      variables: { id: book3 },
      update(cache, { data }) {
        if (!data) return;
        cache.evict({ id: cache.identify({ __typename: "RefBook", id: data.deleteRefBook }) });
        cache.gc();
      },
    });
    assert.equal(deleted.data?.deleteRefBook, book3);

    // then it is gone from the cache, the paged list and the SystemInfo's links
    const afterDelete = readTitles(client, { first: PAGE });
    assert.equal(afterDelete.length, BOOKS - 1);
    assert.ok(!afterDelete.includes(bookTitle(3)));
    assert.ok(!cachedBooks(client).entities.includes(`RefBook:${book3}`));
    const linked = client.readQuery({ query: SystemInfoDocument, variables: { id: systemInfoId } });
    assert.deepEqual(
      linked?.systemInfo?.refBooks.map((book) => book.id),
      [book1],
    );
    // and the server agrees: the link went with the book
    const fresh = await client.query({
      query: SystemInfoDocument,
      variables: { id: systemInfoId },
      fetchPolicy: "network-only",
    });
    assert.deepEqual(
      fresh.data?.systemInfo?.refBooks.map((book) => book.id),
      [book1],
    );
    const gone = await client.query({
      query: RefBookDocument,
      variables: { id: book3 },
      fetchPolicy: "network-only",
    });
    assert.equal(gone.data?.refBook, null);

    // when the SystemInfo is updated, then deleted and evicted
    await client.query({ query: SystemInfosDocument, variables: { first: PAGE } });
    const updated = await client.mutate({
      mutation: UpdateSystemInfoDocument,
      variables: { id: systemInfoId, input: { major: "Astrophysics", language: "KO" } },
    });
    assert.equal(updated.data?.updateSystemInfo.major, "Astrophysics");
    const listed = client.readQuery({ query: SystemInfosDocument, variables: { first: PAGE } });
    assert.equal(listed?.systemInfos.edges[0]?.node.major, "Astrophysics");
    await client.mutate({
      mutation: DeleteSystemInfoDocument,
      variables: { id: systemInfoId },
      update(cache, { data }) {
        if (!data) return;
        cache.evict({ id: cache.identify({ __typename: "SystemInfo", id: data.deleteSystemInfo }) });
        cache.gc();
      },
    });

    // then the cached list is empty without a refetch
    const emptied = client.readQuery({ query: SystemInfosDocument, variables: { first: PAGE } });
    assert.deepEqual(emptied?.systemInfos.edges, []);
  });

  it("reads NOT_FOUND from extensions.code when writing a deleted id", async () => {
    // given a deleted book's id
    const book3 = bookIds.get(bookTitle(3))!;

    // when the app updates it, then the error carries NOT_FOUND
    await expectCode(
      client.mutate({
        mutation: UpdateRefBookDocument,
        variables: { id: book3, input: { title: "Back again" } },
      }),
      ErrorCode.NOT_FOUND,
    );
  });

  it("signs out: the refresh token stops working, and sign-out everywhere ends every session", async () => {
    // given a second session of the same user, with its own pair
    const second = await client.mutate({
      mutation: SignInDocument,
      variables: { input: { username: "reactuser", password: PASSWORD } },
    });
    const pair = second.data?.signIn;
    assert.ok(pair);

    // when the app signs out with that session's refresh token (no access token needed)
    const signedOut = await client.mutate({
      mutation: SignOutDocument,
      variables: { refreshToken: pair.refreshToken },
    });
    assert.equal(signedOut.data?.signOut, true);

    // then refreshing with it is UNAUTHENTICATED, and signing out again is still true
    await expectCode(
      client.mutate({ mutation: RefreshTokenDocument, variables: { refreshToken: pair.refreshToken } }),
      ErrorCode.UNAUTHENTICATED,
    );
    const again = await client.mutate({ mutation: SignOutDocument, variables: { refreshToken: pair.refreshToken } });
    assert.equal(again.data?.signOut, true);

    // and the first session still works until it signs out everywhere
    const me = await client.query({ query: MeDocument, fetchPolicy: "network-only" });
    assert.equal(me.data?.me.username, "reactuser");
    const everywhere = await client.mutate({ mutation: SignOutEverywhereDocument });
    assert.equal(everywhere.data?.signOutEverywhere, true);
    await expectCode(client.query({ query: MeDocument, fetchPolicy: "network-only" }), ErrorCode.UNAUTHENTICATED);
  });

  it("reads UNAUTHENTICATED after sign-out, while public scripts still answer", async () => {
    // given a signed-out app: no token, an empty cache
    token = null;
    await client.clearStore();

    // when it asks for `me`, then the error carries UNAUTHENTICATED
    await expectCode(
      client.query({ query: MeDocument, fetchPolicy: "network-only" }),
      ErrorCode.UNAUTHENTICATED,
    );

    // and public reads need no token
    const scripts = await client.query({ query: PublicScriptsDocument, variables: { first: 1 } });
    assert.equal(scripts.data?.publicScripts.totalCount, 0);
  });
  it("sends queries by id over GET when asked, mutations still by POST", async () => {
    // given a client that sends hashed queries with GET, signed in again
    const viaGet: Sent[] = [];
    const getClient = createClient({
      uri: server.graphqlUrl,
      getAccessToken: () => token,
      useGETForQueries: true,
      fetch: recordingFetch(viaGet),
    });
    try {
      const signedIn = await getClient.mutate({
        mutation: SignInDocument,
        variables: { input: { username: "reactuser", password: PASSWORD } },
      });
      token = signedIn.data?.signIn.accessToken ?? null;

      // when it reads `me` and a page of books
      const me = await getClient.query({ query: MeDocument, fetchPolicy: "network-only" });
      const books = await getClient.query({ query: RefBooksDocument, variables: { first: 2 } });

      // then both answered, the queries went by GET and the mutation by POST, all by id
      assert.equal(me.data?.me.username, "reactuser");
      assert.equal(books.data?.refBooks.edges.length, 2);
      assert.deepEqual(
        viaGet.map((each) => each.method),
        ["POST", "GET", "GET"],
      );
      for (const each of viaGet) assert.equal(each.params["query"], undefined);
    } finally {
      getClient.stop();
    }
  });

  it("is refused a document sent as text (FORBIDDEN) and an unknown id (PERSISTED_QUERY_NOT_FOUND)", async () => {
    // given a client that sends documents as text, as a third party would
    const textClient = createClient({ uri: server.graphqlUrl, getAccessToken: () => null, sendText: true });
    try {
      // when it sends a public query, then the service refuses it without running it
      await expectCode(
        textClient.query({ query: PublicScriptsDocument, variables: { first: 1 } }),
        ErrorCode.FORBIDDEN,
      );
    } finally {
      textClient.stop();
    }

    // and an id the manifest does not hold is PERSISTED_QUERY_NOT_FOUND, over POST and GET
    const unknown = `sha256:${"0".repeat(64)}`;
    const posted = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ documentId: unknown }),
    });
    const got = await fetch(`${server.graphqlUrl}?documentId=${unknown}`, {
      headers: { accept: "application/json" },
    });
    for (const response of [posted, got]) {
      assert.equal(response.status, 200);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      assert.equal(body.errors[0]?.extensions.code, ErrorCode.PERSISTED_QUERY_NOT_FOUND);
    }
  });

  it("sent every operation by its manifest id, never as text", () => {
    // given every request the app's clients made in this file
    assert.ok(sent.length > 40, `only ${sent.length} requests recorded`);
    // then none carried a document, and each named one of the manifest's ids
    for (const { params } of sent) {
      assert.equal(params["query"], undefined, JSON.stringify(params));
      const extensions = params["extensions"] as { persistedQuery?: { sha256Hash?: string } };
      const hash = extensions?.persistedQuery?.sha256Hash;
      assert.ok(hash && KNOWN_HASHES.has(hash), JSON.stringify(params));
    }
  });
});
