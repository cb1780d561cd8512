"""The API-server answers the operator treats as ordinary outcomes rather than failures."""

from __future__ import annotations


class Conflict(Exception):
    """409: the object changed since it was read (resourceVersion) or already exists; re-read and decide again."""


class Gone(Exception):
    """404: the object is not there (any more)."""


class Forbidden(Exception):
    """403: refused, often only for now (a new namespace's default ServiceAccount, which pods need, is not made yet)."""
