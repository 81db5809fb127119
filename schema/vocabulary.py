"""One name per concept across the schema, and the old names kept, deprecated, until clients move.

The names the schema settled on:

- **When something happened**: `occurredAt` (an access event, a referral's move, a case's timeline
  entry, a live referral event). Verb-specific moments keep their verb (`openedAt`, `closedAt`,
  `revokedAt`, `reviewedAt`, `createdAt` of a record).
- **Who did it**: `actorUserId` and `actorAgencyCode` (and `actorAgency`, the object); a user id alone
  is `userId`; an agency's code is `…AgencyCode` / `agencyCode`, and a field named for an agency
  without `Code` is the `Agency` object (`registeredByAgency`, like `recordedByAgency`).
- **Places**: `regionCode` and `districtCode`, in filters as on a person.

`RENAMED` lists every deprecated name with its replacement (a test checks the SDL against it); a
deprecated field answers exactly what its replacement answers, and a deprecated input field is read
when its replacement is not given.
"""

RENAMED: dict[tuple[str, str], str] = {
    ("ReferralEvent", "at"): "occurredAt",
    ("ReferralEvent", "byAgencyCode"): "actorAgencyCode",
    ("ReferralEvent", "byAgency"): "actorAgency",
    ("ReferralMove", "at"): "occurredAt",
    ("ReferralMove", "actorUser"): "actorUserId",
    ("CaseTimelineEntry", "at"): "occurredAt",
    ("CaseTimelineEntry", "actorUser"): "actorUserId",
    ("AccessEventActor", "user"): "userId",
    ("AccessEventActor", "agency"): "agencyCode",
    ("BreakGlassEvent", "user"): "userId",
    ("Person", "registeredBy"): "registeredByAgency",
    ("AccessLogFilter", "actorId"): "actorUserId",
    ("PersonFilter", "region"): "regionCode",
    ("PersonFilter", "district"): "districtCode",
    ("ReferralStatisticsFilter", "region"): "regionCode",
}


def renamed(new_name: str) -> str:
    """The deprecation reason of a name replaced by `new_name`."""
    return f"Use `{new_name}`: one name per concept across the schema."
