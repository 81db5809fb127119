"""Authorization: Casbin policies per agency, the principal, permission classes, field masking.

Empty until the access issue lands; services already receive the acting `sxvis.actors.Actor`, so the
checks will go into the services, not into the resolvers.
"""
