"""Citation counts, h/i10/g-index, per-year counts, novelty, AI score, trending."""
