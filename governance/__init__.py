"""Governance: versioned policies (rubrics, pay floor, consent rules, formula, governance rules),
proposals, ballots and tallies. Every other part asks here which policy version was in force."""
