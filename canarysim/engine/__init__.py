"""The pure engine: replica arithmetic, the step engine, analysis assessment.

Standard library only: no clock, no randomness, no I/O. Everything here is a function of
its arguments, which is what the property tests rely on.
"""
