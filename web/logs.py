"""Log records as JSON lines (production, for a collector) or readable text (development)."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
# uvicorn adds `color_message`, a copy of the message with terminal colours.
_RECORD_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "color_message",
}
_HANDLER_NAME = "gpt_supporter"
# Loggers that bring their own handlers (uvicorn's, gunicorn's): they get our format too.
_FOREIGN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "gunicorn.error")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _RECORD_FIELDS}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """The usual one-line text, with the `extra=` fields appended as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items() if v is not None)
        return line


def formatter(json: bool) -> logging.Formatter:
    return JsonFormatter() if json else TextFormatter()


def configure_logging(level: str, json: bool) -> None:
    """One handler on the root logger, to stderr; idempotent (tests build several apps)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter(json))
    root.addHandler(handler)
    root.setLevel(level.upper())
    if json:
        for name in _FOREIGN_LOGGERS:
            for foreign in logging.getLogger(name).handlers:
                foreign.setFormatter(JsonFormatter())


def gunicorn_logconfig(level: str, json: bool) -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: the master's own lines in the same format as the workers'."""
    name = "json" if json else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {name: {"()": f"{__name__}.{type(formatter(json)).__name__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": name,
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": level.upper(), "handlers": ["stderr"], "propagate": False},
        },
        "root": {"level": level.upper(), "handlers": []},
    }
