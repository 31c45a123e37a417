"""Lineage for buyers: where every item of a dataset came from, under which rules, with what consent —
as views, as standard exports, and as a bundle anyone can verify offline."""
