"""Typed views of the custom resources: raw wire shapes, parsed frozen values, ids, money, settings.

Pure data: no kopf, no kubernetes client, no I/O. Everything above parses a body here once, at
the edge, and then works with values whose fields are already checked.
"""
