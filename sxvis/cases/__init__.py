"""Case management (rule 11: Strategy 6.1.4; DESIGN, "Referrals and cases").

A case is one agency's work with one person, led by a case manager of that agency. It goes through the
Strategy's phases in order: needs assessment → service package (the plan) → coordination (referrals,
enrollments) → monitoring (visits, notes) → closure (with a reason). Every change is one transaction:
the case, a timeline entry (who, agency, when, kind, summary) and an access event. While a case is open
the person is in the managing agency's remit (a trigger keeps `person_remit`, migration 0008).
"""
