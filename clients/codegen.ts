// Typed documents for every operation in operations/, checked against the service's schema.
import type { CodegenConfig } from "@graphql-codegen/cli";
import { addTypenameSelectionDocumentTransform } from "@graphql-codegen/client-preset";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["operations/**/*.graphql"],
  // No operations found is a mistake in this package, not an empty result.
  ignoreNoDocuments: false,
  generates: {
    "generated/gql/": {
      preset: "client",
      presetConfig: {
        fragmentMasking: false,
        // generated/gql/persisted-documents.json: the manifest the service trusts
        // (TRUSTED_DOCUMENTS), {"sha256:<hex>": text}, where the id is the SHA-256 of exactly
        // that text (the preset's normalized print of the operation and its fragments).
        persistedDocuments: { hashAlgorithm: "sha256" },
      },
      // The text the service runs is the manifest's, not what Apollo Client would print:
      // it must select __typename wherever Apollo's cache adds it (every selection set).
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: {
        // Node's ESM loader needs the extension on relative imports.
        emitLegacyCommonJSImports: false,
        useTypeImports: true,
        scalars: { DateTime: "string" },
        strictScalars: true,
        enumsAsTypes: true,
      },
    },
    // No operation returns ErrorCode (codes travel in extensions.code), so the preset would
    // drop it: emit the schema's enums on their own, as values a client can switch on.
    "generated/enums.ts": {
      plugins: ["typescript"],
      config: {
        onlyEnums: true,
        enumsAsConst: true,
        namingConvention: { enumValues: "keep" },
      },
    },
  },
};

export default config;
