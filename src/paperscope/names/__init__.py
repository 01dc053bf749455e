"""Name normalisation and keys, shared by ingest, identity, search, metrics and the web.

`fold`, `surname_key` and `name_key` are what ingest stores (`authorships.name_key`);
`parse_name` and the block keys take a printed name apart for author disambiguation.
"""

from paperscope.names.normalise import (
    NameParts,
    block_key,
    fold,
    given_agreement,
    given_compatible,
    name_key,
    parse_name,
    person_key,
    surname_key,
    swapped_block_key,
)

__all__ = [
    "NameParts",
    "block_key",
    "fold",
    "given_agreement",
    "given_compatible",
    "name_key",
    "parse_name",
    "person_key",
    "surname_key",
    "swapped_block_key",
]
