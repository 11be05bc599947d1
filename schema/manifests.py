"""Trusted-document manifests: the documents a front-end build ships, read and checked once.

A manifest is what graphql-codegen's client preset writes with `persistedDocuments: true`
(`persisted-documents.json`): a JSON object from document id to the exact text of the
document, `{"sha256:<64 lowercase hex>": "<document>"}`. The id is the SHA-256 of the text's
UTF-8 bytes (GraphQL over HTTP, Appendix A "Persisted Documents", SHA256 hex document
identifier); a bare 64-hex key (Apollo's `sha256Hash` form) is read as the same id.

Nothing here knows the schema: schema.trusted parses and validates what this returns.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import orjson

_SHA256_ID = re.compile(r"(?:sha256:)?([0-9a-f]{64})")
PREFIX = "sha256:"


class ManifestError(Exception):
    """A manifest the service refuses to start with; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    manifest: Path
    id: str  # "sha256:<64 hex>"
    text: str


def document_key(value: str) -> str | None:
    """The canonical id ("sha256:<hex>") `value` names, or None when it is no SHA-256 id."""
    match = _SHA256_ID.fullmatch(value)
    return PREFIX + match[1] if match else None


def short(document_id: str) -> str:
    """Enough of an id to find it in a manifest, for messages."""
    return document_id[: len(PREFIX) + 12]


def sha256_id(text: str) -> str:
    return PREFIX + hashlib.sha256(text.encode()).hexdigest()


def read_manifest(path: Path) -> list[ManifestEntry]:
    where = f"TRUSTED_DOCUMENTS: {path}"
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ManifestError(f"{where}: cannot be read ({error.strerror})") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ManifestError(f"{where}: is not JSON (UTF-8)") from None
    if not isinstance(data, dict) or not data:
        raise ManifestError(f"{where}: must be a JSON object of document id -> document text")
    entries = []
    for key, text in data.items():
        document_id = document_key(key)
        if document_id is None:
            raise ManifestError(
                f"{where}: {key[:80]!r} is not a SHA-256 document id "
                "('sha256:' and 64 lowercase hex digits)"
            )
        if not isinstance(text, str):
            raise ManifestError(f"{where}: document {short(document_id)} is not a string")
        actual = sha256_id(text)
        if actual != document_id:
            raise ManifestError(
                f"{where}: document {short(document_id)} does not match its text "
                f"(the text hashes to {short(actual)})"
            )
        entries.append(ManifestEntry(path, document_id, text))
    return entries


def read_manifests(paths: list[Path]) -> list[ManifestEntry]:
    """Every entry of every manifest, in order; the same document in two manifests twice."""
    return [entry for path in paths for entry in read_manifest(path)]
