"""The GraphQL type names inside global ids, written out: renaming a type changes every id a
client holds, so the tests pin them instead of importing them."""

USER = "User"
REF_BOOK = "RefBook"
REF_DATA = "RefData"
SYSTEM_INFO = "SystemInfo"
PUBLIC_SCRIPT = "PublicScript"
