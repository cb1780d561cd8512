"""Structured logs: one JSON object per line, so a log pipeline can select by particle id.

Every line carries `ts` (ISO 8601, UTC), `level`, `logger`, `msg`, the process's fixed fields
(`component`, `peer_id`) and whatever the call site passed in `extra=` (the router passes
`particle_id`, and `reason`, `stage` where they apply). `--log-format text` keeps the classic
one-line form for people reading a terminal.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Literal

import orjson

Format = Literal["json", "text"]

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
"""Attributes every record has; anything else on a record came from `extra=`."""


class JsonLines(logging.Formatter):
    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__()
        self._fields = dict(fields)

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **self._fields,
        }
        line.update((k, v) for k, v in record.__dict__.items() if k not in _STANDARD)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def configure(*, log_format: Format, level: str = "info", fields: Mapping[str, str]) -> None:
    """Sets up the root logger of a process (replacing earlier handlers) to write to stderr."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonLines(fields))
    else:
        prefix = " ".join(f"{k}={v}" for k, v in fields.items())
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s %(name)s {prefix} %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
