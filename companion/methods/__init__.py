"""Methods: one module per paper, built on :mod:`companion.methods.base` (the Method contract)
and, for conditional translation, :mod:`companion.methods.translation` (the family base).

Modules register themselves when imported; :func:`companion.methods.base.get_method` imports them
all on first use, so this package imports nothing itself.
"""
