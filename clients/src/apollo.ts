// The Apollo Client setup a React app uses against this API; the tests use exactly this.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { CombinedGraphQLErrors } from "@apollo/client/errors";
import { SetContextLink } from "@apollo/client/link/context";
import { relayStylePagination } from "@apollo/client/utilities";

import { ErrorCode } from "../generated/enums.js";
import { persistedDocumentsLink, type PersistedOptions } from "./persisted.js";

export interface ClientOptions extends PersistedOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql */
  uri: string;
  /** The current access token (from signIn or refreshToken), or null when signed out. */
  getAccessToken: () => string | null;
  /** Send documents as text instead of their ids (a service with trusted documents off). */
  sendText?: boolean;
  /** The fetch the HTTP link uses (the global one by default). */
  fetch?: typeof fetch;
}

/**
 * What makes two lists of one connection different lists: a search and an order select other
 * rows in another order, and a cursor of one means nothing in the other (the service refuses
 * it). The paging arguments (first/after/last/before) are left out, so pages merge.
 */
export const LIST_KEY_ARGS = ["search", "orderBy"];

/**
 * The four connections page with opaque keyset cursors. relayStylePagination(LIST_KEY_ARGS)
 * keeps one list per field, search and order, and merges each fetchMore page by cursor:
 * `after` appends, `before` prepends, and edges whose node was evicted are skipped when read.
 */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          systemInfos: relayStylePagination(LIST_KEY_ARGS),
          refBooks: relayStylePagination(LIST_KEY_ARGS),
          refDatas: relayStylePagination(LIST_KEY_ARGS),
          publicScripts: relayStylePagination(LIST_KEY_ARGS),
        },
      },
    },
  });
}

/** Sends `Authorization: Bearer <token>` whenever the app holds a token. */
export function authLink(getAccessToken: () => string | null): ApolloLink {
  return new SetContextLink((previous) => {
    const token = getAccessToken();
    if (!token) return {};
    return { headers: { ...previous.headers, authorization: `Bearer ${token}` } };
  });
}

export function createClient(options: ClientOptions): ApolloClient {
  const { uri, getAccessToken, sendText = false } = options;
  const http = new HttpLink(options.fetch ? { uri, fetch: options.fetch } : { uri });
  const links = [authLink(getAccessToken), ...(sendText ? [] : [persistedDocumentsLink(options)])];
  return new ApolloClient({ link: ApolloLink.from([...links, http]), cache: createCache() });
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && KNOWN_CODES.has(value);
}

/**
 * Every `extensions.code` of a GraphQL error (docs/design.md "Errors"), typed so that a `switch`
 * over ErrorCode is checked by the compiler. Network failures carry no code: [].
 */
export function errorCodes(error: unknown): ErrorCode[] {
  if (!CombinedGraphQLErrors.is(error)) return [];
  return error.errors.map((each) => each.extensions?.["code"]).filter(isErrorCode);
}

/** The first code of a GraphQL error, or undefined for anything else. */
export function errorCode(error: unknown): ErrorCode | undefined {
  return errorCodes(error)[0];
}
