"""Just enough PromQL reading for the dashboard and alert checks: which metric names a query uses,
and a query with Grafana's variables replaced so Prometheus can run it.

Metric names are the identifiers left once strings, label matchers, range selectors and grouping
clauses are removed, that are not function calls, keywords or numbers. The queries here are our own
(a dozen shapes, no subqueries or `@` modifiers), which this is written for and tested against.
"""

from __future__ import annotations

import re

KEYWORDS = frozenset(
    {
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "inf",
        "nan",
    }
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """The metric names `expr` selects."""
    text = _GROUPING.sub(" ", _RANGE.sub(" ", _MATCHERS.sub(" ", _STRING.sub('""', expr))))
    return {
        match.group(1)
        for match in _IDENTIFIER.finditer(text)
        if match.group(2) is None and match.group(1).lower() not in KEYWORDS
    }


def for_prometheus(expr: str, *, rate_window: str) -> str:
    """`expr` with Grafana's `$__rate_interval` set to a fixed window."""
    return expr.replace("$__rate_interval", rate_window)
