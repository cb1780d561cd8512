"""Executing a parsed script on one peer against merged traces (AquaVM's execution_step).

Every run replays the whole script from the root: variables, streams and errors are rebuilt from
the trace, never carried over. One module per concern: errors, values, variables (scalars,
streams), lenses, value resolution, the context, and one module per instruction family.
"""
