"""The MySQL DATETIME decoder (db/decoders.py) answers exactly what PyMySQL's would, for what
MariaDB sends and for everything else."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymysql.constants import FIELD_TYPE
from pymysql.converters import convert_datetime

from db.decoders import DECODERS, decode_datetime

ODD = [
    "2007-02-25T23:06:20",
    "2007-02-31 23:06:20",
    "0000-00-00 00:00:00",
    "2026-11-26 15:45:00.123",
    "2026-11-26 15:45:00.1234567",
    "2026-11-26 15:45:00+00:00",
    "2026-11-26 15:45:00.12345Z",
    "2026-11-26 24:00:00",
    "2026-02-29 00:00:00",
    "2026-11-26 15:45:00\n",
    "2026-1-1 1:2:3",
    "+026-11-26 15:45:00",
    "\uff12\uff10\uff12\uff16-11-26 15:45:00",  # fullwidth digits
    "",
]


def _outcome(value: Any, decode: Any) -> Any:
    try:
        found = decode(value)
    except Exception as error:  # the failure itself is compared
        return ("raises", type(error))
    return (type(found), found)


@pytest.mark.parametrize("text", ODD)
def test_odd_values_decode_as_pymysql_decodes_them(text: str) -> None:
    for value in (text, text.encode()):
        assert _outcome(value, decode_datetime) == _outcome(value, convert_datetime)


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
def test_what_mariadb_sends_decodes_as_pymysql_decodes_it(moment: datetime) -> None:
    # DATETIME(6) always carries six digits; DATETIME none
    for text in (moment.strftime("%Y-%m-%d %H:%M:%S.%f"), moment.strftime("%Y-%m-%d %H:%M:%S")):
        text = text.zfill(len(text) + 4 - text.index("-"))  # years below 1000 have 4 digits
        assert _outcome(text, decode_datetime) == _outcome(text, convert_datetime)
    assert decode_datetime(moment.strftime("%Y-%m-%d %H:%M:%S.%f").zfill(26)) == moment


def test_microseconds_and_the_rest_of_the_decoders_are_kept() -> None:
    assert decode_datetime("2026-11-26 15:45:00.000001") - datetime(2026, 11, 26, 15, 45) == (
        timedelta(microseconds=1)
    )
    assert DECODERS[FIELD_TYPE.DATETIME] is decode_datetime
    assert DECODERS[FIELD_TYPE.TIMESTAMP] is decode_datetime
    assert DECODERS[FIELD_TYPE.LONG] is not decode_datetime
