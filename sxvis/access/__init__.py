"""Who sees which persons, and how much of each: remit, disclosure, pseudonyms, break-the-glass.

Casbin (`authz`) decides what a role may *do*; this package decides which *rows* an agency sees (its
remit) and which *fields* of them (minimisation, protected persons). It holds no Casbin and no role
names: the actor arrives with its effective permissions as action strings (`Actor.permissions`).
"""
