"""Who wrote what: name normalisation, blocking, clustering authorships into people."""
