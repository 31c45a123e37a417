"""The double-entry money ledger (to come: see the money issue)."""
