"""`paperscope demo`: the demo corpus (shipped samples or a synthetic corpus) and its builder."""
