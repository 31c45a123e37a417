"""The kernel every layer stands on: settings, the database, the error vocabulary, the principal,
money and the co-op's key files. It imports no domain."""
