"""The kopf handlers: the only modules that import kopf, each handler a few lines of glue.

A handler reads the body into a model, calls the pure layers (`matcher`, `reconcile`) and the
I/O layer (`kube`), and writes one status patch. Business rules live below, tested without kopf.
"""
