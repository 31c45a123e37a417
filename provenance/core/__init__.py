"""Pure functions on plain data: no database, no web framework, no I/O.

Everything an outside verifier needs to check the co-op's log lives here, so it can be tested
directly and reused offline (see `provenance.audit` and, later, the buyer's bundle verifier).
"""
