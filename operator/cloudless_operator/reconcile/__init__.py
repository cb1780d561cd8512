"""Pure builders: a model value in, the desired Kubernetes object or status out.

No kopf, no kubernetes client, no clock of its own (callers pass `now`): what the handlers and
commands write is decided here and tested as plain functions.
"""
