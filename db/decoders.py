"""What the MySQL driver turns result values into: PyMySQL's decoders, DATETIME made cheap.

PyMySQL parses every DATETIME with a regular expression and builds the datetime from its
groups; rows carry two of them each, and on a page with its linked rows that was the
driver's largest single cost after reading the packets. MariaDB sends a DATETIME as
`YYYY-MM-DD HH:MM:SS` with, for a fractional column, a dot and the fraction's digits
(six for the DATETIME(6) columns here, models/types.py); `datetime.fromisoformat` (C) reads
exactly that shape. Anything else (no fraction of six digits, a zero date, a value
`fromisoformat` refuses) goes to PyMySQL's own decoder, so every value decodes as before.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pymysql.constants import FIELD_TYPE
from pymysql.converters import convert_datetime, decoders

_fromisoformat = datetime.fromisoformat
# What MariaDB sends for DATETIME and DATETIME(6), and all that is read the fast way.
_SHAPE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{6})?", re.ASCII)


def decode_datetime(text: Any) -> Any:
    """PyMySQL's `convert_datetime`, with the shapes MariaDB sends read by `fromisoformat`."""
    if type(text) is str and _SHAPE.fullmatch(text) is not None:
        try:
            return _fromisoformat(text)
        except ValueError:
            pass
    return convert_datetime(text)


DECODERS: dict[int, Any] = {
    **decoders,
    FIELD_TYPE.DATETIME: decode_datetime,
    FIELD_TYPE.TIMESTAMP: decode_datetime,
}
