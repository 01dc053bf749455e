"""The batch stages over whole snapshots, on Apache Spark (or on one machine, for comparison).

`paperscope batch <stage> --engine spark|local`: read OpenAlex / Semantic Scholar snapshots
(or a store exported to Parquet), merge works, link references, count citations, resolve
people per name block, compute the person metrics and cohort percentiles, and write the
results back into PostgreSQL. Every stage reads and writes Parquet tables in one work
folder (`batch.tables`), so each is also a `spark-submit` job (`python -m
paperscope.batch.jobs <stage> ...`). docs/scale.md tells how to run it on a cluster.

The definitions are the single-machine code's own: records come from `paperscope.sources`'
parsers, keys from `paperscope.ingest.keys` and `paperscope.names`, merges from
`paperscope.ingest.merge`, people from `paperscope.identity.assign.cluster_block`, and every
metric's definition and version from `paperscope.definitions`.
"""
