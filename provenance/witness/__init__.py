"""A C2SP tlog-witness run by a member or a friendly co-op (`coop witness serve`), and the client a
log uses to ask witnesses for cosignatures. The decision itself is pure: provenance.core.witness."""
