"""The ``rk:`` namespace and the standard ones, as used in code.

Mirrors ``ontology/rectkg.ttl``: a test fails when a term here (or in the built data) is not
declared there. Terms are pyoxigraph ``NamedNode`` objects (the build path) and their IRIs are
plain strings, so rdflib users can wrap them with ``rdflib.URIRef``.

>>> str(RK.Problem.value)
'https://w3id.org/rectkg/ontology#Problem'
>>> RK.NoSuchTerm
Traceback (most recent call last):
...
AttributeError: rk:NoSuchTerm is not a term of the rectkg ontology (ontology/rectkg.ttl)
"""
from __future__ import annotations

from pyoxigraph import NamedNode

RK_IRI = "https://w3id.org/rectkg/ontology#"
ID_IRI = "https://w3id.org/rectkg/id/"
GRAPH_IRI = "https://w3id.org/rectkg/graph/"
# The types and labels of entities that reports share (organisations, policies, people, kinds …)
# live once, in this graph, never repeated in each report's: every triple is in exactly one
# graph, so the union the user queries holds no duplicates.
SHARED_GRAPH_IRI = GRAPH_IRI + "shared"
ANALYSIS_GRAPH_IRI = GRAPH_IRI + "analysis"

PREFIXES = {
    "rk": RK_IRI,
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "oa": "http://www.w3.org/ns/oa#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "qudt": "http://qudt.org/schema/qudt/",
    "rkid": ID_IRI,
}

# Every rk: term the code may write. Classes, then individuals, then properties.
RK_CLASSES = (
    "Report", "Inspection", "Problem", "ProblemCategory", "Measure", "Policy", "Genre",
    "Status", "InspectionKind", "MeasureKind", "PolicyType", "DraftState", "Concept",
    "ConsistencyFinding", "Quantity", "Theme", "ResponsibleRole",
    # the workbench (issue 14): deadlines and responsibility with their evidence
    "Deadline", "DeadlineKind", "Responsibility",
)
RK_INDIVIDUALS = (
    # genres
    "InspectionRectification", "EducationRectification", "AuditRectification", "InspectionNews",
    "OtherGenre",
    # statuses
    "Completed", "InProgress", "StatusUnknown",
    # measure kinds
    "Planned", "Done", "Unspecified",
    # policy types (by the genre word that ends the title)
    "Regulation", "Rules", "Measures", "Opinion", "Plan", "Notice", "DetailedRules", "WorkPlan",
    "System", "List", "Guideline", "Programme", "Outline", "Form", "Letter",
    "Publication", "Broadcast", "WorkReport", "OtherDocument",
    # draft states
    "Draft", "ConsultationDraft", "Trial", "RevisedDraft", "Interim",
    # responsible roles
    "LeadUnit", "ParticipatingUnit", "ResponsibleUnit",
    # deadline kinds, and the role of a person named responsible
    "Immediate", "LongTerm", "ByDate", "ResponsiblePerson",
    # schemes
    "DeadlineKindScheme", "GenreScheme", "StatusScheme", "MeasureKindScheme", "PolicyTypeScheme", "DraftStateScheme",
    "InspectionKindScheme", "ConceptScheme", "RoleScheme",
)
RK_PROPERTIES = (
    # core contract (spec/VOCABULARY.md)
    "genre", "content", "respondsTo", "mentions", "statedProblemCount", "statedCompletedCount",
    "statedInProgressCount", "statedMeasureCount", "statedRuleCount", "kind", "conductedBy",
    "inspected", "startDate", "endDate", "feedbackDate", "round", "ordinal", "reportedIn",
    "status", "category", "subProblemOf", "evidence", "addresses", "inReport",
    # provenance of the source
    "sha256", "sourceFormat", "sourceEncoding", "convertedFromTraditional", "jurisdiction",
    # measures and responsibility
    "measureKind", "responsibleUnit", "leadUnit", "participatingUnit", "statusEvidence",
    # policies
    "policyType", "draftState", "isPolicy", "makes", "applies", "cites",
    # people
    "post",
    # counts and consistency
    "hasFinding", "findingKind", "statedValue", "listedValue", "message", "countKind",
    # quantities
    "hasQuantity", "numericValue", "unit", "counts",
    # contact
    "contactPoint",
    # the workbench (issue 14): deadlines, responsibility, regions (GB/T 2260)
    "deadline", "deadlineKind", "dueDate", "responsibility", "role", "assignedTo",
    "regionCode", "province", "city", "county",
    # analysis (written back by `kg analyze`)
    "similarTo", "similarity", "theme", "memberOfTheme",
)


class _Namespace:
    """Attribute access to declared terms only: a typo is an error, not a new IRI."""

    def __init__(self, base: str, names: tuple[str, ...], label: str):
        self._base = base
        self._names = frozenset(names)
        self._label = label
        self._cache: dict[str, NamedNode] = {}

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._names:
            raise AttributeError(f"{self._label}:{name} is not a term of the rectkg ontology "
                                 "(ontology/rectkg.ttl)")
        node = NamedNode(self._base + name)
        object.__setattr__(self, name, node)  # later look-ups skip __getattr__
        return node

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def __iter__(self):
        return iter(sorted(self._names))


class _Open:
    """A standard namespace: any local name."""

    def __init__(self, base: str):
        self._base = base

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        node = NamedNode(self._base + name)
        object.__setattr__(self, name, node)
        return node


RK = _Namespace(RK_IRI, RK_CLASSES + RK_INDIVIDUALS + RK_PROPERTIES, "rk")
ORG = _Open(PREFIXES["org"])
FOAF = _Open(PREFIXES["foaf"])
PROV = _Open(PREFIXES["prov"])
DCTERMS = _Open(PREFIXES["dcterms"])
SKOS = _Open(PREFIXES["skos"])
OA = _Open(PREFIXES["oa"])
RDF = _Open(PREFIXES["rdf"])
RDFS = _Open(PREFIXES["rdfs"])
XSD = _Open(PREFIXES["xsd"])
VCARD = _Open(PREFIXES["vcard"])

GENRES = {
    "inspection-rectification": "InspectionRectification",
    "education-rectification": "EducationRectification",
    "audit-rectification": "AuditRectification",
    "inspection-news": "InspectionNews",
    "other": "OtherGenre",
}
STATUSES = {"completed": "Completed", "in_progress": "InProgress", "unknown": "StatusUnknown"}
