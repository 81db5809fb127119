"""Checks of a person against the ministry systems: `runChecks` and `Person.checks`."""
