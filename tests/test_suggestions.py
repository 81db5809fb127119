"""In production no error names anything the caller did not write (issue 13, item 3).

Each kind of message that used to teach the schema is tested, and one test walks every validation rule
(graphql-core's specified rules, ours and strawberry's) with a misspelt document that sets it off, so a
rule added later cannot bring suggestions back unnoticed.
"""

import re
from typing import Any

import pytest
from graphql import parse, specified_rules, validate
from graphql.validation import ASTValidationRule
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types.graphql import OperationType

from resolvers.context import Context
from schema import build_schema
from schema.suggestions import schema_names
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.config import Settings
from sxvis.database import Database
from tests.factories import WORKER

PRODUCTION = build_schema(Settings(mode="production"))
DEVELOPMENT = build_schema(Settings())
NAMES = schema_names(PRODUCTION._schema)
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
# English of GraphQL's own messages that happens to be a field's name too ("… of type …", "Expected value").
MESSAGE_ENGLISH = {
    *("type", "value", "field", "fields", "input", "from", "to", "if", "at", "on", "of", "name", "include"),
    *("error", "Query", "Mutation", "Subscription"),
    # GraphQL's "used in position expecting type": also a field's name since applications (a document's
    # position in its passport), but here the message's own English.
    *("position", "used", "expecting"),
}
ALL_TYPES = {OperationType.QUERY, OperationType.MUTATION, OperationType.SUBSCRIPTION}


def _leaks(message: str, document: str, variables: dict[str, Any] | None = None) -> set[str]:
    """The schema names in `message` that the caller did not write."""
    written = set(_NAME.findall(document + " " + repr(variables or {})))
    quoted = {w for segment in _QUOTED.findall(message) for w in _NAME.findall(segment)}
    unquoted = set(_NAME.findall(_QUOTED.sub(" ", message))) - MESSAGE_ENGLISH
    return {w for w in quoted | unquoted if w in NAMES and w not in written}


async def _messages(db: Database, document: str, variables: dict[str, Any] | None = None) -> list[str]:
    context = Context(
        db=db,
        actor=WORKER,
        settings=Settings(mode="production"),
        pseudonyms=Pseudonyms(b"a test secret of enough bytes"),
        policy=None,  # type: ignore[arg-type]  (these documents never reach a resolver)
    )
    result = await PRODUCTION.execute(
        document, variable_values=variables, context_value=context, allowed_operation_types=ALL_TYPES
    )
    assert result.errors, document
    return [error.message for error in result.errors]


async def _assert_quiet(db: Database, document: str, variables: dict[str, Any] | None = None) -> list[str]:
    messages = await _messages(db, document, variables)
    for message in messages:
        assert "Did you mean" not in message
        assert not _leaks(message, document, variables), message
    return messages


# Each kind of message the issue names.


async def test_a_misspelt_argument_is_not_corrected(db: Database) -> None:
    [message] = await _assert_quiet(db, '{ person(fi: "AAAAAAA") { fin } }')
    assert message == "Unknown argument 'fi' on field '….person'."


async def test_a_misspelt_input_field_is_not_corrected(db: Database) -> None:
    [message] = await _assert_quiet(db, "{ persons(filter: { categor: ELDERLY }) { totalCount } }")
    assert (
        message
        == "Expected value of type '…' not to include unknown field 'categor'. Found: { categor: ELDERLY }."
    )


async def test_a_misspelt_enum_value_is_not_corrected(db: Database) -> None:
    [message] = await _assert_quiet(db, "{ persons(filter: { category: ELDERL }) { totalCount } }")
    assert message == "Value 'ELDERL' does not exist in '…' enum."


async def test_a_misspelt_type_condition_is_not_corrected(db: Database) -> None:
    messages = await _assert_quiet(db, '{ node(id: "x") { ... on Persn { fin } } }')
    assert "Unknown type 'Persn'." in messages


async def test_a_misspelt_field_is_not_corrected(db: Database) -> None:
    [message] = await _assert_quiet(db, "{ persns { totalCount } }")
    assert message == "Cannot query field 'persns' on type '…'."


async def test_an_incomplete_input_object_does_not_list_its_required_fields(db: Database) -> None:
    document = 'mutation { recordCircumstance(input: { personId: "x" }) { errors { code } } }'
    messages = await _assert_quiet(db, document)
    assert "Expected value of type '…' to include required field '…', found: { personId: \"x\" }." in messages
    assert not any("category" in m or "since" in m for m in messages)


async def test_misspelt_variables_are_not_corrected(db: Database) -> None:
    document = "mutation($i: RecordCircumstanceInput!) { recordCircumstance(input: $i) { errors { code } } }"
    variables = {"i": {"personId": "x", "categor": "ELDERL", "since": "2026-01-01"}}
    messages = await _assert_quiet(db, document, variables)
    assert any("'categor'" in message for message in messages)
    assert not any("category" in message for message in messages)


async def test_a_misspelt_enum_in_the_variables_is_not_corrected(db: Database) -> None:
    document = "query($c: CircumstanceCategory) { persons(filter: { category: $c }) { totalCount } }"
    [message] = await _assert_quiet(db, document, {"c": "ELDERL"})
    assert "ELDERLY" not in message


async def test_what_the_caller_wrote_is_still_named(db: Database) -> None:
    document = "query($c: CircumstanceCategory) { persons(filter: { category: $c }) { totalCount } }"
    [message] = await _messages(db, document, {"c": "ELDERL"})
    assert "CircumstanceCategory" in message
    assert "ELDERL" in message


async def test_development_still_suggests(db: Database) -> None:
    result = await DEVELOPMENT.execute('{ person(fi: "AAAAAAA") { fin } }')
    assert result.errors
    assert "Did you mean 'fin'" in result.errors[0].message


# Every validation rule, each set off by a document that names little of the schema.

RULE_DOCUMENTS: dict[str, str] = {
    "ExecutableDefinitionsRule": "{ me { userId } } type Persn { fi: String }",
    "UniqueOperationNamesRule": "query A { me { userId } } query A { me { userId } }",
    "LoneAnonymousOperationRule": "{ me { userId } } query B { me { userId } }",
    "SingleFieldSubscriptionsRule": "subscription { referralEvents { __typename } me: __typename }",
    "KnownTypeNamesRule": "query($c: CircumstanceCategry) { me { userId } }",
    "FragmentsOnCompositeTypesRule": "{ me { ... on String { userId } } }",
    "VariablesAreInputTypesRule": "query($p: Person) { me { userId } }",
    "ScalarLeafsRule": "{ me }",
    "FieldsOnCorrectTypeRule": "{ me { usrId } }",
    "UniqueFragmentNamesRule": "{ me { ...F } } fragment F on Me { userId } fragment F on Me { userId }",
    "KnownFragmentNamesRule": "{ me { ...Missing } }",
    "NoUnusedFragmentsRule": "{ me { userId } } fragment F on Me { userId }",
    "PossibleFragmentSpreadsRule": "{ me { ... on Agency { code } } }",
    "NoFragmentCyclesRule": "{ me { ...A } } fragment A on Me { ...B } fragment B on Me { ...A }",
    "UniqueVariableNamesRule": "query($a: Int, $a: Int) { me { userId } }",
    "NoUndefinedVariablesRule": "{ person(fin: $fn) { fin } }",
    "NoUnusedVariablesRule": "query($x: Int) { me { userId } }",
    "KnownDirectivesRule": "{ me @skp(if: true) { userId } }",
    "UniqueDirectivesPerLocationRule": "{ me @skip(if: false) @skip(if: false) { userId } }",
    "KnownArgumentNamesRule": '{ person(fi: "AAAAAAA") { fin } }',
    "UniqueArgumentNamesRule": '{ person(fin: "AAAAAAA", fin: "BBBBBBB") { fin } }',
    "ValuesOfCorrectTypeRule": '{ persons(first: "ten", filter: { categor: ELDERL }) { totalCount } }',
    "ProvidedRequiredArgumentsRule": "{ referral { status } }",
    "VariablesInAllowedPositionRule": "query($f: Boolean) { referral(id: $f) { status } }",
    "OverlappingFieldsCanBeMergedRule": "{ me { userId: name userId } }",
    "UniqueInputFieldNamesRule": '{ persons(filter: { text: "a", text: "b" }) { totalCount } }',
    "MaxIntrospectionDepthRule": (
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    ),
    "CostRule": "{ me { " + " ".join(f"a{i}: userId" for i in range(31)) + " } }",
    "NoSchemaIntrospectionCustomRule": "{ __schema { queryType { name } } }",
}
# Rules this schema cannot set off, and why (checked below: they find nothing to say).
SILENT: dict[str, str] = {
    "KnownOperationTypesRule": "the schema has all three root types",
    "DeferStreamDirectiveOnRootField": "the schema has no @defer or @stream",
    "DeferStreamDirectiveOnValidOperationsRule": "the schema has no @defer or @stream",
    "DeferStreamDirectiveLabel": "the schema has no @defer or @stream",
    "StreamDirectiveOnListField": "the schema has no @defer or @stream",
    "MaybeNullValidationRule": "the schema has no Maybe inputs",
    "OneOfInputValidationRule": "the schema has no @oneOf inputs",
}


def _production_rules() -> list[type[ASTValidationRule]]:
    """Every rule a production request is validated with: GraphQL's, those our extensions add (the cost
    rule, `DisableIntrospection`'s), and strawberry's own."""
    rules: list[type[ASTValidationRule]] = list(specified_rules)
    for factory in PRODUCTION.extensions:
        extension = factory() if callable(factory) else factory
        rules += getattr(extension, "validation_rules", None) or []
    return [*rules, MaybeNullValidationRule, OneOfInputValidationRule]


def test_every_production_rule_is_walked() -> None:
    names = {rule.__name__ for rule in _production_rules()}
    assert names == set(RULE_DOCUMENTS) | set(SILENT)


@pytest.mark.parametrize("rule", _production_rules(), ids=lambda rule: rule.__name__)
async def test_no_rule_names_what_the_caller_did_not_write(
    db: Database, rule: type[ASTValidationRule]
) -> None:
    name = rule.__name__
    if name in SILENT:
        assert all(not validate(PRODUCTION._schema, parse(d), [rule]) for d in RULE_DOCUMENTS.values())
        return
    document = RULE_DOCUMENTS[name]
    assert validate(PRODUCTION._schema, parse(document), [rule]), f"{name} is not set off by its document"
    await _assert_quiet(db, document)
