"""Duplicate records of one person: `duplicateCandidates` and `mergePersons`."""
