"""The co-op's daily work: tasks with rubrics, signed contributions, peer review, acceptance."""
