"""coop-ledger: shared plumbing (settings, database, keys, command line) for the co-op's service."""
