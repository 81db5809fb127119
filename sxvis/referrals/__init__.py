"""Referrals between institutions (Strategy 8.4.4-8.4.5; DESIGN, "Referrals and cases").

A social worker of one agency sends a person to another; the receiver answers within a deadline set by
the urgency, and the referral is followed to its end. States follow FHIR Task: REQUESTED → ACCEPTED |
REJECTED | CANCELLED; ACCEPTED → IN_PROGRESS → COMPLETED | FAILED. While a referral is open the person
is in the receiver's remit (a trigger keeps `person_remit`, migration 0005).
"""
