"""Thin API-server I/O with the official `kubernetes` client: list, create, patch, and nothing clever.

Bodies go in and come out as the JSON the API server speaks (the `models.raw` shapes); a 409 becomes
`errors.Conflict`, a 404 `None` or `errors.Gone`. Decisions are made above (handlers, `cu` command)
from pure functions in `matcher` and `reconcile`.
"""
