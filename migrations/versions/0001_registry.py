"""registry

Revision ID: 0001
Revises:
Create Date: 2026-11-24 20:23:05.783636
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The name-search key (issue 2): one spelling for the Azerbaijani Latin, Russian-Cyrillic and ASCII forms
# of a name, so `Мамедов`, `Mamedov`, `Mammadov` and `Məmmədov` all become `mamadov`. The steps:
# 1. lowercase (explicitly for Ə, İ, Cyrillic: lower() in a C-locale database leaves them alone);
# 2. digraphs of the transliterations: kh→x, sh→s, ch→c, gh→g, zh→c, дж→c;
# 3. letters that spell one sound across the alphabets merge: ə/e/э→a, ı→i, ö→o, ü/ю→u, ş/ш/щ→s,
#    ç/ч/ц/j/ж→c, and g/ğ/q/k/h/x with Cyrillic г/к/х/һ/ғ→g (Russian writes Azerbaijani h and q as г, к);
#    y and й are dropped (Əliyev/Алиев, İsmayılov/Исмаилов);
# 4. doubled letters collapse (Məmmədov/Mamedov), anything else but a-z and spaces goes.
# IMMUTABLE, so a stored generated column and a trigram index can use it; a SQL-standard body, so the
# planner inlines it when a query folds its own search text.
FOLD_FUNCTION = r"""
CREATE OR REPLACE FUNCTION sxvis_fold(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN btrim(regexp_replace(regexp_replace(regexp_replace(
  translate(
    replace(replace(replace(replace(replace(replace(
      lower(translate(name, 'ƏİÖÜŞÇĞАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯӘҒҺЈҸӨҮҜ',
                            'əiöüşçğабвгдеёжзийклмнопрстуфхцчшщъыьэюяәғһјҹөүҝ')),
      'kh', 'x'), 'sh', 's'), 'ch', 'c'), 'gh', 'g'), 'zh', 'c'), 'дж', 'c'),
    'əeıöüşçğqkhxjwабвгдеёжзиклмнопрстуфхцчшщыэюяәғһҹөүҝyйјъь',
    'aaiouscgggggcvabvgdaocziglmnoprstufgccssiauaaggcoug'),
  '(.)\1+', '\1', 'g'), '[^a-z ]', '', 'g'), ' +', ' ', 'g'))
"""

# The display order of names: the Azerbaijani alphabet (a b c ç d e ə f g ğ h x ı i j k q l m n o ö p r s
# ş t u ü v y z) mapped onto ASCII letters in that order, compared byte-wise (COLLATE "C"), so Eyvazov
# comes before Əliyev and İsmayılov after Xəlilov on every server, with or without ICU. Upper-case I is
# the dotless ı in Azerbaijani, İ the dotted i.
SORT_KEY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION sxvis_sort_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN translate(
  lower(translate(name, 'IİƏÇĞÖŞÜ', 'ıiəçğöşü')),
  'abcçdeəfgğhxıijkqlmnoöprsştuüvyz',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef')
"""

# Enum arrays are text[] (easy to query with @>); these CHECKs refuse any element outside the enum.
ENUM_ARRAYS = {
    ("services", "application_forms"): ("IN_PERSON", "REPRESENTATIVE", "CALL_CENTRE", "SELF_SERVICE", "POST"),
    ("services", "response_forms"): (
        "IN_PERSON",
        "REPRESENTATIVE",
        "CALL_CENTRE",
        "PROACTIVE",
        "SELF_SERVICE",
        "POST",
    ),
    ("services", "refusal_grounds"): ("INCOMPLETE_DOCUMENTS", "NO_LEGAL_BASIS", "REMOVAL_FROM_SERVICE"),
    ("services", "eligible_users"): (
        "CITIZEN",
        "FOREIGNER_PERMANENT_RESIDENT",
        "STATELESS_PERMANENT_RESIDENT",
        "INDIVIDUAL_ENTREPRENEUR",
        "LEGAL_ENTITY",
        "FAMILY_FARM",
    ),
    ("service_required_documents", "forms"): ("ORIGINAL", "COPY", "NOTARISED_COPY", "ELECTRONIC_COPY"),
}

ENUM_TYPES = (
    "agency_kind",
    "duration_unit",
    "service_fee",
    "sex",
    "residence_status",
    "circumstance_category",
    "enrollment_status",
    "enrollment_end_reason",
    "household_relation",
)


def _enum_array_checks() -> None:
    for (table, column), members in ENUM_ARRAYS.items():
        allowed = ", ".join(f"'{m}'" for m in members)
        op.create_check_constraint(f"{column}_members", table, f"{column} <@ ARRAY[{allowed}]::text[]")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(FOLD_FUNCTION)
    op.execute(SORT_KEY_FUNCTION)
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_az", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("MINISTRY", "AGENCY", "CENTRE", "LOCAL_BODY", "MUNICIPALITY", "NGO", name="agency_kind"),
            nullable=False,
        ),
        sa.Column("parent_code", sa.String(length=32), nullable=True),
        sa.Column("region_code", sa.String(length=16), nullable=True),
        sa.Column("is_state_body", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("code ~ '^[A-Z][A-Z0-9-]{1,31}$'", name=op.f("ck_agencies_code_format")),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["agencies.code"], name=op.f("fk_agencies_parent_code_agencies")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agencies")),
    )
    op.create_index(op.f("ix_agencies_parent_code"), "agencies", ["parent_code"], unique=False)
    op.create_table(
        "households",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("head_person_id", sa.Uuid(), nullable=True),
        sa.Column("region_code", sa.String(length=16), nullable=True),
        sa.Column("district_code", sa.String(length=16), nullable=True),
        sa.Column("address_line", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    op.create_index(op.f("ix_households_head_person_id"), "households", ["head_person_id"], unique=False)
    op.create_table(
        "services",
        sa.Column("code", sa.String(length=11), nullable=False),
        sa.Column("name_az", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("source_document", sa.Text(), nullable=False),
        sa.Column("classification", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("performing_units", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("legal_basis", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("application_forms", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("communication_channels", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("response_forms", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("refusal_grounds", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("eligible_users", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("back_office", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("total_duration_value", sa.Integer(), nullable=True),
        sa.Column(
            "total_duration_unit",
            sa.Enum("MONTH", "DAY", "HOUR", "MINUTE", name="duration_unit"),
            nullable=True,
        ),
        sa.Column("front_office_duration_value", sa.Integer(), nullable=True),
        sa.Column(
            "front_office_duration_unit",
            sa.Enum("MONTH", "DAY", "HOUR", "MINUTE", name="duration_unit"),
            nullable=True,
        ),
        sa.Column("back_office_duration_value", sa.Integer(), nullable=True),
        sa.Column(
            "back_office_duration_unit",
            sa.Enum("MONTH", "DAY", "HOUR", "MINUTE", name="duration_unit"),
            nullable=True,
        ),
        sa.Column("duration_note", sa.Text(), nullable=True),
        sa.Column("operator_standard_minutes", sa.SmallInteger(), nullable=True),
        sa.Column("fee", sa.Enum("FREE", "PAID", name="service_fee"), nullable=False),
        sa.Column("fee_note", sa.Text(), nullable=True),
        sa.Column("places_of_service", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("procedure", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("information_systems", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("electronisation_degree", sa.Text(), nullable=True),
        sa.Column("automation_degree", sa.Text(), nullable=True),
        sa.Column("requires_irp", sa.Boolean(), nullable=False),
        sa.Column("notes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "code ~ '^[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}$'", name=op.f("ck_services_code_format")
        ),
        sa.CheckConstraint(
            "(total_duration_value IS NULL) = (total_duration_unit IS NULL) AND (front_office_duration_value IS NULL) = (front_office_duration_unit IS NULL) AND (back_office_duration_value IS NULL) = (back_office_duration_unit IS NULL)",
            name=op.f("ck_services_duration_has_unit"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_services")),
    )
    op.create_table(
        "persons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fin", sa.String(length=7), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("patronymic", sa.Text(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.Enum("MALE", "FEMALE", name="sex"), nullable=False),
        sa.Column(
            "residence_status",
            sa.Enum(
                "CITIZEN",
                "FOREIGNER_PERMANENT_RESIDENT",
                "STATELESS_PERMANENT_RESIDENT",
                "OTHER",
                name="residence_status",
            ),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=16), nullable=True),
        sa.Column("district_code", sa.String(length=16), nullable=True),
        sa.Column("address_line", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("protected", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("date_of_death", sa.Date(), nullable=True),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("registered_by", sa.String(length=32), nullable=False),
        sa.Column(
            "name_key",
            sa.Text(),
            sa.Computed(
                "sxvis_fold(last_name || ' ' || first_name || ' ' || coalesce(patronymic, ''))",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "sort_key",
            sa.Text(collation="C"),
            sa.Computed(
                "sxvis_sort_key(last_name || ' ' || first_name || ' ' || coalesce(patronymic, ''))",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("fin ~ '^[0-9A-Z]{7}$'", name=op.f("ck_persons_fin_format")),
        sa.CheckConstraint(
            "date_of_death IS NULL OR date_of_death >= birth_date", name=op.f("ck_persons_death_after_birth")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_persons_household_id_households"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["agencies.code"], name=op.f("fk_persons_registered_by_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("fin", name=op.f("uq_persons_fin")),
    )
    op.create_foreign_key(
        op.f("fk_households_head_person_id_persons"),
        "households",
        "persons",
        ["head_person_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index("ix_persons_birth_date", "persons", ["birth_date"], unique=False)
    op.create_index(op.f("ix_persons_household_id"), "persons", ["household_id"], unique=False)
    op.create_index(
        "ix_persons_name_key_trgm",
        "persons",
        ["name_key"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
    )
    op.create_index("ix_persons_region_district", "persons", ["region_code", "district_code"], unique=False)
    op.create_index("ix_persons_sort_key_id", "persons", ["sort_key", "id"], unique=False)
    op.create_table(
        "service_providers",
        sa.Column("service_code", sa.String(length=11), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"], ["agencies.code"], name=op.f("fk_service_providers_agency_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["service_code"],
            ["services.code"],
            name=op.f("fk_service_providers_service_code_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_code", "agency_code", name=op.f("pk_service_providers")),
    )
    op.create_index(
        op.f("ix_service_providers_agency_code"), "service_providers", ["agency_code"], unique=False
    )
    op.create_table(
        "service_required_documents",
        sa.Column("service_code", sa.String(length=11), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name_az", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("forms", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_code"],
            ["services.code"],
            name=op.f("fk_service_required_documents_service_code_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_code", "position", name=op.f("pk_service_required_documents")),
    )
    op.create_table(
        "circumstances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "CHILD_WITHOUT_PARENTAL_CARE",
                "CARE_LEAVER_WITHOUT_HOME",
                "CHILD_WITH_DISABILITY",
                "ADULT_WITH_DISABILITY",
                "NEGLECTED_CHILD",
                "UNABLE_TO_SELF_CARE",
                "TERMINALLY_ILL",
                "TRAFFICKING_VICTIM",
                "TRAFFICKING_RISK",
                "DOMESTIC_VIOLENCE_VICTIM",
                "HOMELESS",
                "SOCIALLY_EXCLUDED",
                "RELEASED_FROM_PRISON",
                "ELDERLY",
                name="circumstance_category",
            ),
            nullable=False,
        ),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("source_agency", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "until IS NULL OR until >= since", name=op.f("ck_circumstances_until_after_since")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_circumstances_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_agency"], ["agencies.code"], name=op.f("fk_circumstances_source_agency_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circumstances")),
    )
    op.create_index(
        "ix_circumstances_category_person", "circumstances", ["category", "person_id"], unique=False
    )
    op.create_index("ix_circumstances_person_id", "circumstances", ["person_id"], unique=False)
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("service_code", sa.String(length=11), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.Enum("ACTIVE", "ENDED", name="enrollment_status"), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column(
            "end_reason",
            sa.Enum(
                "COMPLETED",
                "PERSON_WITHDREW",
                "PERSON_DIED",
                "INCOMPLETE_DOCUMENTS",
                "NO_LEGAL_BASIS",
                "REMOVAL_FROM_SERVICE",
                name="enrollment_end_reason",
            ),
            nullable=True,
        ),
        sa.Column("irp_reference", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(status = 'ENDED') = (ended_on IS NOT NULL AND end_reason IS NOT NULL)",
            name=op.f("ck_enrollments_ended_has_reason"),
        ),
        sa.CheckConstraint(
            "ended_on IS NULL OR ended_on >= started_on", name=op.f("ck_enrollments_ended_after_started")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_enrollments_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["provider_code"], ["agencies.code"], name=op.f("fk_enrollments_provider_code_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["service_code"], ["services.code"], name=op.f("fk_enrollments_service_code_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
    )
    op.create_index("ix_enrollments_person_id", "enrollments", ["person_id"], unique=False)
    op.create_index(
        "ix_enrollments_provider_person", "enrollments", ["provider_code", "person_id"], unique=False
    )
    op.create_index(
        "ix_enrollments_service_provider", "enrollments", ["service_code", "provider_code"], unique=False
    )
    op.create_index(
        "uq_enrollments_active",
        "enrollments",
        ["person_id", "service_code", "provider_code"],
        unique=True,
        postgresql_where=sa.text("status = 'ACTIVE'"),
    )
    op.create_table(
        "household_members",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column(
            "relation",
            sa.Enum(
                "HEAD",
                "SPOUSE",
                "CHILD",
                "PARENT",
                "SIBLING",
                "GRANDPARENT",
                "GRANDCHILD",
                "OTHER_RELATIVE",
                "GUARDIAN",
                "NON_RELATIVE",
                name="household_relation",
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_members_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_household_members_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_household_members")),
    )
    op.create_index(
        op.f("ix_household_members_household_id"), "household_members", ["household_id"], unique=False
    )
    _enum_array_checks()


def downgrade() -> None:
    op.drop_index(op.f("ix_household_members_household_id"), table_name="household_members")
    op.drop_table("household_members")
    op.drop_index(
        "uq_enrollments_active", table_name="enrollments", postgresql_where=sa.text("status = 'ACTIVE'")
    )
    op.drop_index("ix_enrollments_service_provider", table_name="enrollments")
    op.drop_index("ix_enrollments_provider_person", table_name="enrollments")
    op.drop_index("ix_enrollments_person_id", table_name="enrollments")
    op.drop_table("enrollments")
    op.drop_index("ix_circumstances_person_id", table_name="circumstances")
    op.drop_index("ix_circumstances_category_person", table_name="circumstances")
    op.drop_table("circumstances")
    op.drop_table("service_required_documents")
    op.drop_index(op.f("ix_service_providers_agency_code"), table_name="service_providers")
    op.drop_table("service_providers")
    op.drop_index("ix_persons_region_district", table_name="persons")
    op.drop_index("ix_persons_sort_key_id", table_name="persons")
    op.drop_index(
        "ix_persons_name_key_trgm",
        table_name="persons",
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_persons_household_id"), table_name="persons")
    op.drop_index("ix_persons_birth_date", table_name="persons")
    op.drop_constraint(op.f("fk_households_head_person_id_persons"), "households", type_="foreignkey")
    op.drop_table("persons")
    op.drop_table("services")
    op.drop_index(op.f("ix_households_head_person_id"), table_name="households")
    op.drop_table("households")
    op.drop_index(op.f("ix_agencies_parent_code"), table_name="agencies")
    op.drop_table("agencies")
    op.execute("DROP FUNCTION IF EXISTS sxvis_fold(text)")
    op.execute("DROP FUNCTION IF EXISTS sxvis_sort_key(text)")
    for name in ENUM_TYPES:
        op.execute(f"DROP TYPE IF EXISTS {name}")
