"""The co-op's people: members and their roles, buyers and their organisations, signing keys,
passwords, sessions and API tokens. Every admission, role change and key event is also a
(pseudonymous) provenance-log entry."""
