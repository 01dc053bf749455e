"""Works out: BibTeX, RIS, CSL-JSON and JSON Lines, for `paperscope export`, a paper's BibTeX
and a user's library.

`items` turns a stored work (`read.works.WorkSummary` with its `WorkDetails`) or a library
item into an `ExportItem`; `bibtex`, `ris`, `csl_json` and `jsonl` write them; `formats`
names the writers; `works` pages through the store (ids in pages, `load_works` per page) so
that an export of a million works holds one page in memory; `library` exports a library.
"""
