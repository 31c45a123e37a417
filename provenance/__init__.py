"""The provenance log: an append-only RFC 6962 transparency log of the co-op's signed statements.

`provenance.core` is the pure part (encoding, signatures, Merkle math, signed notes, tiles);
the modules beside it store the tree in the database and sequence appends.
"""
