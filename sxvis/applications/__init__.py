"""Applications under the service passports (issue 16; rules 1-9 and 14 of the domain digest).

An application is a person's request for one service, taken at an agency's desk (or by post, call
centre, E-sosial) under the service's passport: intake (by the person or a representative, with consent
where needed), the passport's checks against the ministries (evidence with provenance), the need
assessed the same day, deadlines from the passport's durations on the working-day calendar, a decision
on the passport's grounds alone, posted to E-sosial, and, for rationed services, a queue served in
submission order.

- `service`: submit, assess, decide, withdraw, allocate from a queue, and the reads;
- `deadlines`: the passport's durations on the calendar; `rules`: each passport's checks and the
  documents a fact proves; `escalation`: the background escalation of applications at risk;
- `statistics`: aggregates for the Strategy's indicators.
"""
