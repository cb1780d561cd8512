"""The particle data format: executed-state traces, content-addressed value stores, the envelope.

Knows nothing about AIR syntax or execution: it only says what a trace state is, how values are
addressed by content and how the whole is written to and read from bytes.
"""
