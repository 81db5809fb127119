"""GraphQL documents the tests send, kept in one place (STYLE §9)."""

PERSON_FIELDS = """
  id fin lastName firstName patronymic birthDate sex residenceStatus regionCode districtCode
  addressLine phone email protected dateOfDeath age
"""

REGISTER_PERSON = f"""
mutation Register($input: RegisterPersonInput!) {{
  registerPerson(input: $input) {{
    person {{ {PERSON_FIELDS} household {{ id head {{ fin }} members {{ relation person {{ fin }} }} }} }}
    errors {{ field code message }}
  }}
}}
"""

UPDATE_PERSON = f"""
mutation Update($input: UpdatePersonInput!) {{
  updatePerson(input: $input) {{ person {{ {PERSON_FIELDS} }} errors {{ field code message }} }}
}}
"""

RECORD_CIRCUMSTANCE = """
mutation Record($input: RecordCircumstanceInput!) {
  recordCircumstance(input: $input) {
    circumstance { id category since until active note recordedBy sourceAgency { code } }
    errors { field code message }
  }
}
"""

ENROLL = """
mutation Enroll($input: EnrollInServiceInput!) {
  enrollInService(input: $input) {
    enrollment { id status startedOn irpReference service { code } provider { code } }
    errors { field code message }
  }
}
"""

END_ENROLLMENT = """
mutation End($input: EndEnrollmentInput!) {
  endEnrollment(input: $input) {
    enrollment { id status endedOn endReason }
    errors { field code message }
  }
}
"""

PERSON_BY_FIN = f"""
query ByFin($fin: String!) {{ person(fin: $fin) {{ {PERSON_FIELDS} }} }}
"""

PERSON_BY_ID = f"""
query ById($id: ID!) {{ person(id: $id) {{ {PERSON_FIELDS} }} }}
"""

PERSONS = """
query Persons($filter: PersonFilter, $first: Int, $after: String) {
  persons(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id fin lastName firstName } }
  }
}
"""

PERSONS_NESTED = """
query Page($first: Int) {
  persons(first: $first) {
    edges { node {
      fin lastName
      household { id }
      circumstances { category since }
      enrollments { status service { code nameEn } provider { code nameEn } }
    } }
  }
}
"""
