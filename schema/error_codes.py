"""The error codes as a schema enum, so generated clients can switch on them with type checks.

No field returns it: the codes travel in `extensions.code`, which GraphQL cannot type. Listing
the enum in the schema still puts it in the SDL, and codegen emits it as a TypeScript enum.
"""

from __future__ import annotations

import strawberry

from resolvers.errors import ErrorCode

ErrorCodeEnum = strawberry.enum(
    ErrorCode,
    name="ErrorCode",
    description=(
        "Every `extensions.code` of a GraphQL error (an HTTP 200 answer). No field returns this "
        "type. Requests refused before GraphQL runs (HTTP 400/405/408/413/414/431) carry "
        "BAD_REQUEST, METHOD_NOT_ALLOWED, REQUEST_TIMEOUT, PAYLOAD_TOO_LARGE, URI_TOO_LONG or "
        "REQUEST_HEADER_FIELDS_TOO_LARGE instead. Trusted documents: "
        "PERSISTED_QUERY_NOT_FOUND is a document id the service does not know; where only "
        "trusted documents run, a document sent as text is FORBIDDEN."
    ),
)
