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
  GeneratedDialogueDocument,
  type Language,
  MeDocument,
  PublicScriptsDocument,
  RefBookDocument,
  RefBooksDocument,
  RefreshTokenDocument,
  SignInDocument,
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

/** The raw normalized cache: each RefBook entity once, and the merged list of references. */
function cachedBooks(client: ApolloClient): { entities: string[]; listed: string[] } {
  const snapshot = client.cache.extract() as Record<string, Record<string, unknown>>;
  const entities = Object.keys(snapshot).filter((key) => key.startsWith("RefBook:"));
  const field = snapshot["ROOT_QUERY"]?.["refBooks"] as { edges: { node: { __ref: string } }[] };
  return { entities, listed: field.edges.map((edge) => edge.node.__ref) };
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
