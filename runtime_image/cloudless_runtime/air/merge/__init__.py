"""Merging a peer's previous trace with a received trace while the script replays (AquaVM's
trace-handler crate).

Merging is structural and positional: every peer runs the same deterministic script, so the k-th
trace-touching step of a subtree means the same thing everywhere. Each instruction pulls its
state from two sliders (previous and current trace) and pushes its merged state onto the result
trace; `par` and stream `fold` re-aim the sliders at their subtraces. Knows trace states but no
AIR syntax and no values.
"""
