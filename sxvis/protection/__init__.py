"""The protection of domestic-violence victims (rule 10, passport 09-03-00-00, steps 3-5).

- `service`: `register_domestic_violence_case`, one transaction that protects the person, opens a case,
  tells the police and asks SXA for a placement; `interviews_of`, the interview records, read only by
  the registering agency's case workers, each read logged;
- `models`: the registrations (with their idempotency key) and the interview records (migration 0015).
"""
