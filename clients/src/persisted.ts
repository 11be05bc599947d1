// Trusted documents: Apollo Client sends each operation's id from the manifest codegen wrote
// (generated/gql/persisted-documents.json, the file the service loads as TRUSTED_DOCUMENTS),
// never its text.
import { type ApolloLink } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import {
  generatePersistedQueryIdsFromManifest,
  type PersistedQueryManifestForGeneratingPersistedQueryIds,
} from "@apollo/persisted-query-lists";
import { Kind, parse } from "graphql";

import manifest from "../generated/gql/persisted-documents.json" with { type: "json" };

/** The manifest as codegen writes it: document id ("sha256:<hex>") -> the document's text. */
export type Manifest = Record<string, string>;

export const MANIFEST: Manifest = manifest;

function operationName(text: string): string {
  const operations = parse(text).definitions.filter(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const name = operations.length === 1 ? operations[0]?.name?.value : undefined;
  if (!name) throw new Error(`a manifest document must hold one named operation: ${text}`);
  return name;
}

/**
 * codegen's manifest in the shape @apollo/persisted-query-lists reads (operation name -> id),
 * with the id as Apollo's `sha256Hash` convention writes it: the bare hex digest.
 */
export function operationIds(documents: Manifest): PersistedQueryManifestForGeneratingPersistedQueryIds {
  return {
    operations: Object.entries(documents).map(([id, text]) => ({
      id: id.replace(/^sha256:/, ""),
      name: operationName(text),
    })),
  };
}

export interface PersistedOptions {
  /** Queries go by GET (`?extensions={"persistedQuery":...}`), so a CDN can cache them. */
  useGETForQueries?: boolean;
}

/**
 * Sends `extensions.persistedQuery.sha256Hash` instead of the document. On
 * PERSISTED_QUERY_NOT_FOUND it retries once with the text (Apollo's default): a service in
 * `allow` or `off` mode then runs it, one in `require` mode refuses it again.
 */
export function persistedDocumentsLink(options: PersistedOptions = {}): ApolloLink {
  return new PersistedQueryLink({
    ...generatePersistedQueryIdsFromManifest({ loadManifest: () => operationIds(MANIFEST) }),
    useGETForHashedQueries: options.useGETForQueries ?? false,
  });
}
