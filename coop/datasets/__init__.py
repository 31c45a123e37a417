"""Dataset releases and licenses: which accepted contributions a buyer may use, for what, and why."""
