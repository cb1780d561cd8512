"""The one error the models raise: a body that does not have the shape the CRD promises.

The API server's schema normally rules this out, so it means an old object, a schema edit, or a
test body; the operator turns it into a condition with reason `InvalidSpec`, never a crash loop.
"""

from __future__ import annotations


class MalformedBody(ValueError):
    """A field of a CR body is missing or has the wrong type or form; `path` says which (`spec.targetWorkers`)."""

    reason = "InvalidSpec"

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
