"""The four service passports of the catalogue, as seed data.

Every value comes from the source documents in `shared/domain/` (files 000-003); the English digest
`shared/domain/README.md` only points at them. Where the digest and a source disagree, the source wins,
and the disagreement is written in the passport's `notes`. Azerbaijani text (names, legal acts, documents,
procedure steps) is quoted as the source prints it, typos included; list numbers are dropped because a
tuple keeps the order. Section numbers (§) in comments and notes are the source file's own numbers.
"""

from sxvis.catalogue.enums import (
    ApplicationForm,
    DocumentForm,
    DurationUnit,
    EligibleUser,
    Fee,
    RefusalGround,
    ResponseForm,
)
from sxvis.catalogue.seed_types import Duration, PassportSeed, RequiredDocument

# Rule 1 (000 §10, 002 §10, 003 §10): citizens, and foreigners and stateless persons with permanent residence.
_RESIDENT_USERS = (
    EligibleUser.CITIZEN,
    EligibleUser.FOREIGNER_PERMANENT_RESIDENT,
    EligibleUser.STATELESS_PERMANENT_RESIDENT,
)

# 002 §4 and §20, 003 §4 and §20: the same three DOST outlets.
_DOST_OUTLETS = ('"DOST" mərkəzi', 'Regional "DOST" mərkəzi', '"DOST" filialı')

# 001 §4 and §20.
_DOST_CENTRES_A_TO_E = (
    "A kateqoriyalı DOST Mərkəzi",
    "B kateqoriyalı DOST Mərkəzi",
    "C kateqoriyalı DOST Mərkəzi",
    "D kateqoriyalı DOST Mərkəzi",
    "E kateqoriyalı DOST Mərkəzi",
    "Onlayn",
)

_ALL_DOCUMENT_FORMS = (
    DocumentForm.ORIGINAL,
    DocumentForm.COPY,
    DocumentForm.NOTARISED_COPY,
    DocumentForm.ELECTRONIC_COPY,
)

# 001 §21, the note under the list of documents (rule 7).
_MEIS_FIRST_NOTE_001 = (
    "Qeyd: MEİS-dən elektron məlumatların əldə edilməsi mümkün olmadıqda nəzərdə tutulan sənədlər "
    "tələb edilir."
)

# 000 §15, third bullet (rule 7).
_PAPER_ONLY_IF_NOT_ELECTRONIC_000 = (
    "xidmətin həyata keçirilməsi üçün tələb edilən sənədləri elektron qaydada əldə etmək mümkün "
    "olmadıqda kağız üzərində təqdim edilir"
)


# Source: 000_0a8abb4ad98fdae1.txt (ASAN/DOST passport, © 2024 DOST). The document prints no service ID.
SOCIAL_PEDAGOGICAL = PassportSeed(
    code="00-00-00-01",  # placeholder: the source gives no code, see notes
    name_az="Sosial-pedaqoji xidmətlərin göstərilməsi",  # §1
    name_en="Provision of social-pedagogical services",
    source_document="000_0a8abb4ad98fdae1.txt",
    classification=("Sosial xidmət",),  # §3
    performing_units=(  # §4
        (
            "Azərbaycan Respublikasının Əmək və Əhalinin Sosial Müdafiəsi Nazirliyinin (Nazirlik) "
            "tabeliyində Dayanıqlı və Operativ Sosial Təminat Agentliyi (DOST Agentliyi)"
        ),
        (
            "Azərbaycan Respublikasının Əmək və Əhalinin Sosial Müdafiəsi Nazirliyinin (Nazirlik) "
            "tabeliyində Sosial Xidmətlər Agentliyi (Sosial Xidmətlər Agentliyi)"
        ),
    ),
    executing_agencies=("DOST", "SXA"),  # §4
    legal_basis=(  # §6
        "“Sosial xidmət haqqında” Azərbaycan Respublikasının Qanunu",
        (
            "Azərbaycan Respublikası Prezidentinin 2011-ci il 16 fevral tarixli 386 nömrəli Fərmanı "
            "ilə təsdiq edilmiş “Azərbaycan Respublikasının Əmək və Əhalinin Sosial Müdafiəsi "
            "Nazirliyini haqqında Əsasnamə”"
        ),
        (
            "Azərbaycan Respublikası Prezidentinin 2020-ci il 30 iyun tarixli 1077 nömrəli Fərmanı "
            "ilə təsdiq edilmiş “Sosial Xidmətlər Agentliyinin Nizamnaməsi”"
        ),
        (
            "Azərbaycan Respublikası Prezidentinin 2018-ci il 10 dekabr tarixli 387 nömrəli Fərmanı "
            "ilə təsdiq edilmiş “DOST” mərkəzlərində göstərilən xidmətlərin siyahısı” və “DOST” "
            "mərkəzlərində xidmət göstərilməsi Qaydası”"
        ),
        (
            "Azərbaycan Respublikası Nazirlər Kabinetinin 2013-cü il 31 yanvar tarixli 17 nömrəli "
            "Qərarı ilə təsdiq edilmiş “Evdə (səyyar) sosial xidmətin göstərilməsi Qaydası”"
        ),
        (
            "Azərbaycan Respublikası Nazirlər Kabinetinin 2013-cü il 5 noyabr tarixli 320 nömrəli "
            "Qərarı ilə təsdiq edilmiş “Çətin həyat şəraitində olan şəxslərin (ailələrin) dövlət "
            "sosial xidmət müəssisələrinə yerləşdirilməsi Qaydası”"
        ),
        (
            "Azərbaycan Respublikası Nazirlər Kabinetinin 2014-cü il 22 aprel tarixli 108 nömrəli "
            "Qərarı ilə təsdiq edilmiş “Çətin həyat şəraitində olan şəxslərə (ailələrə) dövlət "
            "büdcəsinin vəsaiti hesabına göstərilən sosial xidmətin zəmanət verilmiş həcmi”"
        ),
        (
            "Azərbaycan Respublikası Nazirlər Kabinetinin 2020-ci il 30 dekabr tarixli 519 nömrəli "
            "Qərarı ilə təsdiq edilmiş Fərdi Reabilitasiya Proqramının hazırlanması, təsdiq edilməsi "
            "və həyata keçirilməsi Qaydası”"
        ),
    ),
    # 000 has no "forms of application" field: §7 (in person), §16 (relatives, legal representatives and
    # others apply for the person) and §12 (electronic applications 7/24); see notes.
    application_forms=(
        ApplicationForm.IN_PERSON,
        ApplicationForm.REPRESENTATIVE,
        ApplicationForm.SELF_SERVICE,
    ),
    # 000 has no "communication channel" field; §8 (the forms of informing) is the nearest, quoted here.
    communication_channels=(
        "Elektron qaydada",
        "Poçt vasitəsilə",
        "Çağrı mərkəzi vasitəsilə",
        "Şəxsən (yerində)",
    ),
    response_forms=(  # §8
        ResponseForm.SELF_SERVICE,
        ResponseForm.POST,
        ResponseForm.CALL_CENTRE,
        ResponseForm.IN_PERSON,
    ),
    refusal_grounds=(  # §14: "Hüquqi əsasın olmaması", "Şəxsin xidmətdən çıxarılması"
        RefusalGround.NO_LEGAL_BASIS,
        RefusalGround.REMOVAL_FROM_SERVICE,
    ),
    eligible_users=_RESIDENT_USERS,  # §10
    back_office=(),  # §5 ("Xidmətin icrasında iştirak edən dövlət qurumunun adı") is empty in the source
    total_duration=None,  # §11: "Müddət: Fərdi Reabilitasiya Proqramına əsasən"
    front_office_duration=None,
    back_office_duration=None,
    operator_standard_minutes=None,
    fee=Fee.FREE,  # §11: "Xidmət haqqı: Ödənişsiz"
    fee_note=None,
    places_of_service=(  # §13
        "DOST mərkəzləri və filiallarının inzibati binası",
        "Sosial Xidmətlər Agentliyin tabeliyində olan sosial xidmət müəssisələri",
        "Sosial Xidmətlər Agentliyinin yerli qurumlarının inzibati binası",
        "Şəxsin yaşayış yeri",
    ),
    required_documents=(  # §15
        RequiredDocument(
            name_az=(
                "şəxsiyyət vəsiqəsinin surəti (əcnəbilərə və vətəndaşlığı olmayan şəxslərə münasibətdə "
                "Azərbaycan Respublikasının ərazisində daimi yaşayış hüququ verən icazə vəsiqəsinin surəti)"
            ),
            name_en=(
                "Copy of the identity card (for foreigners and stateless persons, copy of the permit "
                "giving the right of permanent residence in the Republic of Azerbaijan)"
            ),
            forms=(DocumentForm.COPY,),
            note=_PAPER_ONLY_IF_NOT_ELECTRONIC_000,
        ),
        RequiredDocument(
            name_az="Fərdi Reabilitasiya Proqramı",
            name_en="Individual Rehabilitation Program",
            forms=(),
            note="§15 names no form for this document; " + _PAPER_ONLY_IF_NOT_ELECTRONIC_000,
        ),
    ),
    procedure=(  # §16
        (
            "Sosial xidmət müəssisələrinə yerləşdirilmiş şəxslərə (ailələrə) Fərdi Reabilitasiya "
            "Proqramına əsasən sosial xidmət göstərilir"
        ),
        (
            "Şəxslər (ailələr) və ya onların qohumları, qanuni nümayəndəsi (qəyyumu, himayəçisi), "
            "bələdiyyələr, qeyri-hökumət təşkilatları, habelə həmin şəxslərin razılığı ilə digər şəxslər "
            "yaşayış yeri üzrə Sosial Xidmətlər Agentliyinin yerli qurumlarına və ya “DOST” mərkəzlərinə "
            "müraciət edir."
        ),
        (
            "Sosial xidmətin göstərilməsi barədə müraciət daxil olduğu gün şəxsin (ailənin) sosial "
            "xidmətə olan tələbatı mütəxəssis (sosial-pedaqoji xidmətləri üzrə) tərəfindən "
            "qiymətləndirilir"
        ),
        "Qiymətləndirmə zamanı müəyyənləşmiş tələbata uyğun şəxsə sosial xidmət göstərilir.",
    ),
    information_systems=(  # §18
        "“e-sosial” portalı",
        "“Elektron hökumət” portalı",
        "Nazirliyin Mərkəzləşdirilmiş elektron informasiya sistemi",
    ),
    electronisation_degree="Elektronlaşdırılıb",  # §19
    automation_degree="Avtomatlaşdırılmayıb",  # §20
    duration_note=(
        "Fərdi Reabilitasiya Proqramına əsasən (per the person's Individual Rehabilitation Program), 000 §11"
    ),
    requires_irp=True,  # rule 14: §11 (duration), §15 (document) and §16 (procedure) rest on the program
    notes=(
        "The source prints no service ID; 00-00-00-01 is a placeholder code, not an official one.",
        (
            "§2 (Xidmətin məzmunu) has no slot: it lists activities for three groups: "
            "'18 yaşınadək əlilliyi müəyyən edilmiş şəxslərə münasibətdə'; "
            "'Baxımsız və sosial təhlükəli vəziyyətdə olan yetkinlik yaşına çatmayan uşaqlara "
            "münasibətdə'; 'Xəstəlik, əlillik və ya ahıllıqla əlaqədar özünəqulluq qabiliyyəti, habelə "
            "onlara qulluq və kömək edə biləcək əmək qabiliyyətli qohumları və ya qanuni nümayəndələri "
            "olmayan şəxslər (ailələr), xəstəliyin terminal (son) mərhələsində olan şəxslərə münasibətdə'."
        ),
        (
            "§5 (Xidmətin icrasında iştirak edən dövlət qurumunun adı) is empty in the source, so "
            "back_office is empty."
        ),
        (
            "Application forms are derived, 000 having no such field: §7 'Xidmət yerinə şəxsən "
            "gəlməklə' (in person); §16 (relatives, legal representative, municipalities, NGOs, or "
            "others with the person's consent apply); §12 'Elektron qaydada 7/24' (electronic "
            "applications)."
        ),
        (
            "§12 (time of accepting applications): 'Elektron qaydada 7/24'; 'Digər hallarda iş "
            "günlərində iş saatları ərzində'."
        ),
        "§9 (result): 'Sosial-pedaqoji xidmətin göstərilməsi təmin olunur.'",
        (
            "§14 covers both ending (dayandırılması) and refusal (imtina): 'Hüquqi əsasın olmaması'; "
            "'Şəxsin xidmətdən çıxarılması'."
        ),
        "§15: " + _PAPER_ONLY_IF_NOT_ELECTRONIC_000 + ".",
        (
            "§17 (pre-court settlement of disputes) repeats the text of §16 word for word; the source "
            "gives no dispute-settlement information."
        ),
        "Operator standard time, front-office and back-office durations are not given in the source.",
    ),
)

# Source: 001_dd29f61437556229.txt (DOST service passport, the full form, approved by the Ministry's
# Collegium decision of 16 December 2019). The text is the blank form with the answers typed in: where a
# field lists all its options with none marked (§3, §10, §11, §12/14/16 units, §19, §22, §25, §26), the
# value below is the one the rest of the passport supports, and the notes say so.
HOME_CARE = PassportSeed(
    code="01-09-15-00",  # §2
    name_az="Sosial məişət xidmətlərinin göstərilməsi",  # §1
    name_en="Provision of social-household services (home care)",
    source_document="001_dd29f61437556229.txt",
    classification=("Sosial xidmət sahəsində göstərilən xidmətlər",),  # §3, see notes
    performing_units=_DOST_CENTRES_A_TO_E,  # §4
    executing_agencies=("DOST",),
    legal_basis=(  # §5
        (
            '30 dekabr 2011-ci il tarixli, 275-IVQ nömrəli "Sosial xidmət haqqında" Azərbaycan '
            "Respublikasının Qanunu"
        ),
        (
            '"Evdə (səyyar) sosial xidmətin göstərilməsi Qaydası"-nın təsdiq edilməsi barədə '
            "Azərbaycan Respublikası Nazirlər Kabinetinin 2013-cü il 31 yanvar tarixli 17 nömrəli Qərarı"
        ),
        (
            '"Çətin həyat şəraitində olan şəxslərə (ailələrə) dövlət büdcəsinin vəsaiti hesabına '
            'göstərilən sosial xidmətin zəmanət verilmiş həcmi"-nin təsdiq edilməsi barədə Azərbaycan '
            "Respublikası Nazirlər Kabinetinin 2014-cü il 22 aprel tarixli 108 nömrəli Qərarı"
        ),
        (
            '"Dövlət sosial xidmət müəssisələrində və evlərdə qismən ödənişli və tam ödənişli şərtlərlə '
            'sosial xidmətin göstərilməsi Qaydası"-nın təsdiq edilməsi barədə Azərbaycan Respublikası '
            "Nazirlər Kabinetinin 2012-ci il 30 dekabr tarixli 328 nömrəli Qərarı"
        ),
    ),
    application_forms=(  # §6
        ApplicationForm.IN_PERSON,
        ApplicationForm.REPRESENTATIVE,
        ApplicationForm.CALL_CENTRE,
        ApplicationForm.SELF_SERVICE,
    ),
    communication_channels=("DOST mərkəzləri", "Çağrı mərkəzi", "Elektron sistemləri"),  # §7
    response_forms=(  # §8
        ResponseForm.IN_PERSON,
        ResponseForm.REPRESENTATIVE,
        ResponseForm.CALL_CENTRE,
        ResponseForm.PROACTIVE,
        ResponseForm.SELF_SERVICE,
    ),
    refusal_grounds=(  # §9: "Sənədlərin natamamlığı", "Hüquqi əsası yoxdur"
        RefusalGround.INCOMPLETE_DOCUMENTS,
        RefusalGround.NO_LEGAL_BASIS,
    ),
    eligible_users=_RESIDENT_USERS,  # §10, see notes
    back_office=("DOST",),  # §11 "05 - DOST Agentliyi", see notes
    total_duration=Duration(15, DurationUnit.DAY),  # §12 unit, §13 "15"
    front_office_duration=Duration(2, DurationUnit.DAY),  # §14 unit, §15 "2"
    back_office_duration=Duration(13, DurationUnit.DAY),  # §16 unit, §17 "13"
    operator_standard_minutes=15,  # §18
    fee=Fee.FREE,  # §19, see fee_note
    fee_note=(
        "§19 lists both options ('Ödənişli', 'Ödənişsiz') with neither marked. FREE is recorded for the "
        "guaranteed volume paid from the state budget (legal basis 3, Cabinet decision No. 108 of "
        "22.04.2014); legal basis 4 (Cabinet decision No. 328 of 30.12.2012) provides for partly paid "
        "and fully paid home social services. To be confirmed against the original passport."
    ),
    places_of_service=_DOST_CENTRES_A_TO_E,  # §20
    required_documents=(  # §21, forms from §22
        RequiredDocument(
            name_az=(
                "Sosial məişət xidmətinin göstərilməli olduğu şəxsin şəxsiyyət vəsiqəsi, əcnəbinin və "
                "vətəndaşlığı olmayan şəxsin daimi yaşamaq üçün icazə vəsiqəsi"
            ),
            name_en=(
                "Identity card of the person who is to receive the social-household service; for a "
                "foreigner or a stateless person, the permanent residence permit"
            ),
            forms=_ALL_DOCUMENT_FORMS,
            note=_MEIS_FIRST_NOTE_001,
        ),
        RequiredDocument(
            name_az=(
                "Yoluxucu xəstəliklərin daşıyıcısı olmaması və psixi sağlamlıq vəziyyəti barədə məlumat "
                "göstərilməklə, sağlamlıq haqqında tibbi arayış"
            ),
            name_en=(
                "Medical certificate of health, stating that the person carries no infectious disease "
                "and stating their mental health"
            ),
            forms=_ALL_DOCUMENT_FORMS,
            note=_MEIS_FIRST_NOTE_001,
        ),
        RequiredDocument(
            name_az=(
                "Əlil olduğu təqdirdə, şəxsin əlilliyini təsdiq edən TSEK-in qərarı (müayinə aktından "
                "çıxarış)"
            ),
            name_en=(
                "If the person has a disability, the decision of the medical-social expert commission "
                "(TSEK) confirming it (extract from the examination act)"
            ),
            forms=_ALL_DOCUMENT_FORMS,
            note=_MEIS_FIRST_NOTE_001,
        ),
        RequiredDocument(
            name_az="Şəxsin yaşayış yeri üzrə qeydiyyatda olan şəxslər barədə müvafiq arayış",
            name_en="Certificate of the persons registered at the person's place of residence",
            forms=_ALL_DOCUMENT_FORMS,
            note=_MEIS_FIRST_NOTE_001,
        ),
        RequiredDocument(
            name_az=(
                "Şəxsə baxmağa borclu olan əmək qabiliyyətli ailə üzvlərinin olmaması barədə sənəd (ailə "
                "üzvlərinin şəxsiyyət vəsiqəsi, əlilliyin müəyyən edilməsi barədə TSEK-in qərarı)"
            ),
            name_en=(
                "Document showing that there are no able-bodied family members obliged to care for the "
                "person (the family members' identity cards, the TSEK decision establishing disability)"
            ),
            forms=_ALL_DOCUMENT_FORMS,
            note=_MEIS_FIRST_NOTE_001,
        ),
    ),
    procedure=(  # §23
        (
            "Əmək qabiliyyətli qohumları və ya qanuni nümayəndələri ilə eyni yaşayış məntəqəsində "
            "yaşamayan və sosial xidmətə ehtiyacı olan şəxslər evdə (səyyar) sosial xidmət "
            "göstərilməsi üçün müraciət edə bilər."
        ),
        "DOST mərkəzinə müraciət edən şəxs sosial xidmətlər istiqaməti üzrə növbə götürür.",
        (
            "Növbəsinə uyğun olaraq sosial xidmətlər üzrə müvafiq masaya yaxınlaşır və sənədləri "
            "sosial xidmətlər üzrə sosial agentə təqdim edir."
        ),
        (
            "Mərkəzin Sosial xidmət məsələləri üzrə sosial agentləri tərəfindən müraciət dinlənir və "
            "sənədlərin tamlığı yoxlanılır."
        ),
        (
            "Yaşayış yeri üzrə qeydiyyatda olan adamlardan başqa xidmətə götürüləcək şəxsin onunla "
            "eyni yaşayış məntəqəsində yaşayan, ona baxmağa borclu olan qohumlarının olub-olmaması "
            "yoxlanılır."
        ),
        (
            '"Əlillik" (TSERAS) altsistemi vasitəsilə sosial agent şəxsin əlilliyi haqqında '
            "məlumatlar yoxlanılır."
        ),
        (
            "Məlumatlar yoxlandıqdan sonra şəxs müraciət ərizəsi yazır (zərurət yarandıqda DOST "
            "könüllüləri tərəfindən müraciət edən şəxsə köməklik göstərilir)."
        ),
        "Ərizənin elektron surəti və altsistemlərdən alınan məlumatlar müraciətə əlavə edilir.",
        (
            "Müraciət sosial agent tərəfindən müraciət edən şəxsə evdə sosial məişət xidmətinin "
            "göstərilməsinə dair müvafiq qərar verilməsi üçün qəbul olunur."
        ),
        (
            "Xidmətin göstərilmə müddətinin bitməsinə ən az bir iş günü qalmış sosial agent tərəfindən "
            "şəxsin E-sosial portalındakı şəxsi kabinetinə arxa ofis tərəfindən qəbul edilmiş qərar "
            "barədə məlumat yerləşdirilir."
        ),
    ),
    information_systems=(  # §24; of the §25 subsystems, the one the procedure names (step 6)
        "E-sosial",
        "MEİS",
        '"Əlillik" (TSERAS) altsistemi',
    ),
    electronisation_degree=None,  # §26 lists all four options with none marked
    automation_degree=None,  # the 001 form has no automation field
    notes=(
        (
            "Approved by the decision of the Collegium of the Ministry of Labour and Social Protection of "
            "the Population of 16 December 2019 (the decision number is left blank in the source: "
            "'_____ nömrəli')."
        ),
        (
            "§3 lists the whole classification (11 options) with none marked; only 'Sosial xidmət "
            "sahəsində göstərilən xidmətlər' fits this service and matches 002 §3 and 003 §3."
        ),
        (
            "§10 lists 'Əhali: Fərdi sahibkarlar', 'Qeyri-əhali: Hüquqi şəxslər' and 'Qeyri-əhali: Ailə "
            "təsərrüfatları' beside the three population groups, with none marked; home care is for a "
            "person, so only citizens and permanent-resident foreigners and stateless persons are "
            "recorded (digest rule 1)."
        ),
        (
            "§11 lists all six back-office codes (01 DSMF, 02 DMX, 03 DƏMX, 04 DTSERX, 05 DOST "
            "Agentliyi, 06 ƏƏSMN) with none marked; DOST (05) is recorded, the agency whose centres "
            "perform the service (§4)."
        ),
        (
            "§12, §14 and §16 list the units 'ay', 'gün', 'saat', 'dəqiqə' with none marked; the numbers "
            "(§13 15, §15 2, §17 13) are read as days, as the digest says, and 2 + 13 = 15."
        ),
        (
            "§22 lists the forms 'Əsli', 'Surəti', 'Notarial təsdiq edilmiş surəti', 'Elektron surəti' "
            "for the service as a whole, none marked and none tied to a document; every document gets "
            "all four."
        ),
        _MEIS_FIRST_NOTE_001 + " (§21)",
        (
            "§25 lists every MEİS subsystem plus 'Heç biri' (none) with none marked; only the TSERAS "
            "subsystem is named by the procedure (step 6). §25 spells it '“Əillik” (TSERAS) altsistemi'."
        ),
        (
            "§26 (electronisation degree) lists 'Tam', 'Qismən', 'Elektronlaşdırılmayan', "
            "'Elektronlaşdırıla bilinməyən' with none marked."
        ),
        "§27 (responsible person's position): 'DOST mərkəzinin sosial agentı'.",
        (
            "Step 10: the decision is posted to the person's E-sosial cabinet at least one working day "
            "before the end of the service period (digest rule 5)."
        ),
    ),
)

# Source: 002_e8e0cfb57d1bfd03.txt (ASAN/DOST passport, © 2023 DOST).
DOMESTIC_VIOLENCE = PassportSeed(
    code="09-03-00-00",  # §2
    name_az=(  # §1
        "Məişət zorakılığından zərər çəkmiş şəxslərin sosial reabilitasiyası və sosial müdafiəsinin "
        "təşkil edilməsi"
    ),
    name_en=(
        "Organising the social rehabilitation and social protection of persons harmed by domestic violence"
    ),
    source_document="002_e8e0cfb57d1bfd03.txt",
    classification=("Sosial xidmət sahəsində göstərilən xidmətlər",),  # §3
    performing_units=_DOST_OUTLETS,  # §4
    executing_agencies=("SXA",),  # §11
    legal_basis=(  # §5
        (
            "30 dekabr 2011-ci il tarixli, 275-IVQ nömrəli “Sosial xidmət haqqında” Azərbaycan "
            "Respublikasının Qanunu"
        ),
        (
            "22 iyun 2010-cu il tarixli, 1058-IIIQ nömrəli “Məişət zorakılığının qarşısının alınması "
            "haqqında” Azərbaycan Respublikasının Qanunu"
        ),
        (
            "“Çətin həyat şəraitində olan şəxslərin (ailələrin) dövlət sosial xidmət müəssisələrinə "
            "yerləşdirilməsi Qaydası”nın təsdiq edilməsi barədə Azərbaycan Respublikasının Nazirlər "
            "Kabinetinin 5 noyabr 2013-cü il tarixli, 320 nömrəli Qərarı"
        ),
        (
            "“Məişət zorakılığı törətmiş şəxslərin profilaktik qeydiyyata götürülməsi və həmin "
            "şəxslərlə tərbiyəvi-qabaqlayıcı işin aparılması Qaydası” təsdiq edilməsi barədə Azərbaycan "
            "Respublikası Nazirlər Kabinetinin 19 dekabr 2011-ci il tarixli, 206 nömrəli Qərarı"
        ),
        (
            "“Məişət zorakılığından zərər çəkmiş şəxslərə yardım mərkəzlərinin fəaliyyəti Qaydası”nın "
            "və “Məişət zorakılığından zərər çəkmiş şəxslərə qeyri-dövlət yardım mərkəzlərinin "
            "akkreditasiyası Qaydaları”nın təsdiq edilməsi barədə Azərbaycan Respublikası Nazirlər "
            "Kabinetinin 25 aprel 2012-ci il tarixli, 89 nömrəli Qərarı"
        ),
    ),
    application_forms=(ApplicationForm.IN_PERSON, ApplicationForm.REPRESENTATIVE),  # §6
    communication_channels=('"DOST" mərkəzləri', "Çağrı mərkəzi", "Elektron sistemlər"),  # §7
    response_forms=(ResponseForm.IN_PERSON, ResponseForm.REPRESENTATIVE, ResponseForm.CALL_CENTRE),  # §8
    refusal_grounds=(RefusalGround.NO_LEGAL_BASIS,),  # §9: "Hüquqi əsası yoxdur"
    eligible_users=_RESIDENT_USERS,  # §10
    back_office=("SXA",),  # §11
    total_duration=Duration(1, DurationUnit.DAY),  # §12 "gün", §13 "1"
    front_office_duration=Duration(1, DurationUnit.HOUR),  # §14 "saat", §15 "1"
    back_office_duration=Duration(1, DurationUnit.DAY),  # §16 "gün", §17 "1"
    operator_standard_minutes=60,  # §18
    fee=Fee.FREE,  # §19 "Ödənişsiz"
    fee_note=None,
    places_of_service=_DOST_OUTLETS,  # §20
    required_documents=(  # §21; the passport names no form for either document
        RequiredDocument(
            name_az=(
                "Müraciət edən şəxsin və ya məişət zorakılığından zərər çəkmiş şəxsin şəxsiyyət "
                "vəsiqəsi, əcnəbinin və vətəndaşlığı olmayan şəxsin pasportu"
            ),
            name_en=(
                "Identity card of the applicant or of the person harmed by domestic violence; for a "
                "foreigner or a stateless person, the passport"
            ),
            forms=(),
        ),
        RequiredDocument(
            name_az="Şəxsin məişət zorakılığına məruz qalması faktını təsdiqləyən müvafiq akt",
            name_en="The relevant act confirming that the person was subjected to domestic violence",
            forms=(),
        ),
    ),
    procedure=(  # §22
        (
            "Məişət zorakılığına məruz qalan şəxs (onun qohumu, qanuni nümayəndəsi (qəyyumu, "
            "himayəçisi), bələdiyyələr, qeyri-hökumət təşkilatları, habelə həmin şəxslərin razılığı ilə "
            'digər şəxslər) "DOST" mərkəzinə müraciət edərək sosial xidmətlər istiqaməti üzrə növbə '
            "götürür."
        ),
        "Növbəsinə uyğun olaraq sosial xidmətlər üzrə müvafiq masaya yaxınlaşır.",
        (
            "Mərkəzin hüquqşünası və psixoloqu tərəfindən məişət zorakılığından zərər çəkmiş şəxslə "
            "sosial reabilitasiya və sosial müdafiənin təşkili məqsədilə söhbət aparılır, sosial "
            "reabilitasiyaya olan ehtiyacı müəyyənləşdirilir."
        ),
        "Məişət zorakılığı hadisəsi haqqında hüquq-mühafizə orqanlarına məlumat verilir.",
        (
            "Şəxsin anonimliyi qorunmaq şərtilə xüsusi reabilitasiya mərkəzinə yerləşdirilməsi üçün "
            "müraciət Sosial Xidmətlər Agentliyinə göndərilir."
        ),
    ),
    information_systems=(  # §23, §24
        "e-sosial.az",
        "MEİS (Mərkəzləşdirilmiş Elektron İnformasiya Sistemi)",
        "“Sənəd dövriyyəsi” (ESDAS) altsistemi",
        "“Vətəndaşların qəbulu” altsistemi",
    ),
    electronisation_degree="Elektronlaşdırılmayan",  # §25
    automation_degree="Avtomatlaşdırılmayan",  # §26
    notes=(
        (
            "§4 (performing units) are the DOST outlets; §11 (the Ministry's structural body ensuring "
            "execution) is SXA."
        ),
        "§21 names no form (original, copy, ...) for the documents.",
        (
            "The front-office time (1 hour) and the back-office time (1 day) together exceed the total "
            "(1 day) as printed; the figures are kept as the source gives them."
        ),
    ),
)

# Source: 003_b6d03b9eb18aab58.txt (ASAN/DOST passport, © 2022 DOST). Its numbering skips §22.
SANATORIUM_VOUCHERS = PassportSeed(
    code="01-09-07-00",  # §2
    name_az="İmtiyazlı şəxslərin sanatoriya-kurort putyovkaları (yollayışları) ilə təmin edilməsi",  # §1
    name_en="Provision of sanatorium-resort vouchers to privileged persons",
    source_document="003_b6d03b9eb18aab58.txt",
    classification=("Sosial xidmət sahəsində göstərilən xidmətlər",),  # §3
    performing_units=_DOST_OUTLETS,  # §4
    executing_agencies=("SXA", "DOST"),  # §11
    legal_basis=(  # §5
        (
            "“Əlilliyi olan şəxslərin hüquqları haqqında” Azərbaycan Respublikasının 2018-ci il 31 may "
            "tarixli 1153-VQ nömrəli Qanunu"
        ),
        (
            '"Əlilliyi olan şəxslərin dərman preparatları, tibbi xidmət və ölkə hüdudları daxilində '
            "sanatoriya-kurort müalicəsi ilə təmin olunması Qaydası”nın təsdiq edilməsi haqqında "
            "Azərbaycan Respublikası Nazirlər Kabinetinin 2021-ci il 23 dekabr tarixli 406 nömrəli Qərarı"
        ),
    ),
    application_forms=(  # §6
        ApplicationForm.IN_PERSON,
        ApplicationForm.REPRESENTATIVE,
        ApplicationForm.SELF_SERVICE,
        ApplicationForm.POST,
    ),
    communication_channels=('"DOST" mərkəzləri', "Çağrı mərkəzi", "Elektron sistemlər"),  # §7
    response_forms=(  # §8
        ResponseForm.IN_PERSON,
        ResponseForm.REPRESENTATIVE,
        ResponseForm.CALL_CENTRE,
        ResponseForm.PROACTIVE,
        ResponseForm.SELF_SERVICE,
        ResponseForm.POST,
    ),
    refusal_grounds=(RefusalGround.NO_LEGAL_BASIS,),  # §9: "Hüquqi əsası yoxdur"
    eligible_users=_RESIDENT_USERS,  # §10
    back_office=("SXA", "DOST"),  # §11: "SXA", "DOST Agentliyi"
    total_duration=Duration(2, DurationUnit.DAY),  # §12 "gün", §13 "2"
    front_office_duration=Duration(2, DurationUnit.DAY),  # §14 "gün", §15 "2"
    back_office_duration=Duration(0, DurationUnit.DAY),  # §16 "gün", §17 "0"
    operator_standard_minutes=10,  # §18
    fee=Fee.FREE,  # §19 "Ödənişsiz"
    fee_note=None,
    places_of_service=_DOST_OUTLETS,  # §20
    required_documents=(  # §21; the passport names no form for either document
        RequiredDocument(name_az="Şəxsiyyət vəsiqəsi", name_en="Identity card", forms=()),
        RequiredDocument(
            name_az="İmtiyazlı şəxs olduğunu təsdiq edən sənəd",
            name_en="Document confirming that the person is a privileged person",
            forms=(),
        ),
    ),
    procedure=(  # §23
        '"DOST" mərkəzinə müraciət edən şəxs sosial xidmətlər istiqaməti üzrə növbə götürür.',
        (
            "Növbəsinə uyğun olaraq sosial xidmətlər üzrə müvafiq masaya yaxınlaşır və sənədləri "
            "sosial xidmətlər üzrə sosial agentə təqdim edir."
        ),
        "Mərkəzin sosial xidmət məsələləri üzrə sosial agenti tərəfindən sənədlərin tamlığı yoxlanılır.",
        (
            "Şəxs müalicə putyovkası üçün müraciət etdiyi təqdirdə sosial agent tərəfindən “Əmək "
            "müqaviləsi bildirişi” altsistemi vasitəsilə müraciət edən şəxsin (istirahət putyovkası "
            "üçün müraciət edənlər istisna olmaqla) işləyib-işləməməsi yoxlanılır."
        ),
        (
            "“Əlillik” (TSERAS) altsistemi vasitəsilə sosial agent müraciət edən şəxsin əlilliyi "
            "haqqında məlumatları yoxlayır."
        ),
        (
            "Altsistemlər vasitəsilə məlumatlar yoxlanıldıqdan sonra şəxs müraciət ərizəsi yazır "
            "(zərurət yarandıqda DOST könüllüləri tərəfindən vətəndaşa köməklik göstərilir)."
        ),
        "Ərizənin elektron surəti və altsistemlərdən alınan məlumatlar müraciətə əlavə edilir.",
        (
            "Müraciət sanatoriya-kurort putyovkası ilə təmin edilməsi üçün sosial agent tərəfindən "
            "növbə siyahısına əlavə edilir."
        ),
        (
            "Növbəlilik prinsipinə uyğun olaraq müraciət etmiş şəxsin növbəsi çatdıqda sosial agent "
            "tərəfindən şəxsə bu barədə məlumat verilir və müvafiq qərar qəbul edilir."
        ),
        (
            "Qəbul edilmiş qərar barədə məlumat müraciət edən şəxsin E-sosial portalındakı şəxsi "
            "kabinetində yerləşdirilir."
        ),
    ),
    information_systems=(  # §24, §25
        "e-sosial.az",
        "MEİS (Mərkəzləşdirilmiş Elektron İnformasiya Sistemi)",
        "“Sənəd dövriyyəsi” altsistemi",
        "“Əmək müqaviləsi bildirişi” altsistemi",
        "“Əlillik” (TSERAS) altsistemi",
        "“Vətəndaşların qəbulu” altsistemi",
        '"Sanatoriya-kurort” altsistemi',
    ),
    electronisation_degree="Tam",  # §26
    automation_degree="Tam",  # §27
    # Step 4: "müalicə putyovkası" (treatment) or "istirahət putyovkası" (rest) vouchers; steps 8-9: in
    # queue order ("Növbəlilik prinsipinə uyğun olaraq").
    variants=("TREATMENT", "REST"),
    rationed=True,
    notes=(
        "The source's numbering goes from §21 (documents) to §23 (procedure); there is no §22.",
        "§21 names no form (original, copy, ...) for the documents.",
        (
            "Step 4: employment is checked through the 'Əmək müqaviləsi bildirişi' subsystem for "
            "treatment vouchers only, not for rest vouchers (digest rule 8); steps 8-9: vouchers are "
            "given in queue order (rule 9)."
        ),
    ),
)

PASSPORTS: tuple[PassportSeed, ...] = (
    SOCIAL_PEDAGOGICAL,
    HOME_CARE,
    DOMESTIC_VIOLENCE,
    SANATORIUM_VOUCHERS,
)
