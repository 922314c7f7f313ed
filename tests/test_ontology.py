"""The ontology parses, and kg/vocab.py and ontology/rectkg.ttl declare the same rk: terms."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg import vocab
from kg.validate import declared_rk_terms, undeclared_rk_terms

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "rectkg.ttl"
RK = vocab.RK_IRI
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCTERMS = "http://purl.org/dc/terms/"


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def test_ontology_parses_with_rdflib_and_pyoxigraph(onto):
    store = pyoxigraph.Store()
    store.load(path=str(ONTOLOGY), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(onto) > 500
    assert len(store) == len(onto)
    assert (URIRef("https://w3id.org/rectkg/ontology"), RDF.type, OWL.Ontology) in onto


KINDS = ([(n, OWL.Class) for n in vocab.RK_CLASSES]
         + [(n, OWL.NamedIndividual) for n in vocab.RK_INDIVIDUALS]
         + [(n, None) for n in vocab.RK_PROPERTIES])


@pytest.mark.parametrize("name,kind", KINDS, ids=[k[0] for k in KINDS])
def test_ontology_declares_vocab_term_with_zh_and_en_text(onto, name, kind):
    term = URIRef(RK + name)
    types = set(onto.objects(term, RDF.type))
    if kind is None:
        assert types & {OWL.ObjectProperty, OWL.DatatypeProperty}, f"rk:{name} is no property"
    else:
        assert kind in types, f"rk:{name} is not declared as {kind}"
    for predicate in (RDFS.label, SKOS.definition):
        langs = sorted(o.language for o in onto.objects(term, predicate))
        assert langs == ["en", "zh"], f"rk:{name} {predicate}: {langs}"


def test_ontology_declares_no_rk_term_missing_from_vocab(onto):
    in_vocab = {RK + n for n in vocab.RK_CLASSES + vocab.RK_INDIVIDUALS + vocab.RK_PROPERTIES}
    declared = {str(s) for s in onto.subjects(RDF.type) if str(s).startswith(RK)}
    assert declared - in_vocab == set(), "declared in ontology/rectkg.ttl, missing in kg/vocab.py"
    assert in_vocab - declared == set(), "in kg/vocab.py, not declared in ontology/rectkg.ttl"
    assert declared_rk_terms() == frozenset(declared)


def test_ontology_uses_only_declared_rk_terms(onto):
    # a typo inside the ontology itself (rk:Reprot as a domain) would be a new, undeclared term
    assert undeclared_rk_terms(onto) == set()


SCHEMES = {
    "GenreScheme": set(vocab.GENRES.values()),
    "StatusScheme": set(vocab.STATUSES.values()),
    "MeasureKindScheme": {"Planned", "Done", "Unspecified"},
    "PolicyTypeScheme": {"Regulation", "Rules", "Measures", "Opinion", "Plan", "Notice",
                         "DetailedRules", "WorkPlan", "System", "List", "Guideline", "Programme",
                         "Outline", "Form", "Letter", "Publication", "Broadcast", "WorkReport",
                         "OtherDocument"},
    "DraftStateScheme": {"Draft", "ConsultationDraft", "Trial", "RevisedDraft", "Interim"},
    "RoleScheme": {"LeadUnit", "ParticipatingUnit", "ResponsibleUnit", "ResponsiblePerson"},
    "DeadlineKindScheme": {"Immediate", "LongTerm", "ByDate"},
    "InspectionKindScheme": set(),   # filled by the data (rkid:kind/…)
    "ConceptScheme": set(),          # filled by the data (rkid:concept/…)
}


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_ontology_scheme_holds_its_concepts(onto, scheme):
    iri = URIRef(RK + scheme)
    assert (iri, RDF.type, SKOS.ConceptScheme) in onto
    members = {str(c)[len(RK):] for c in onto.subjects(SKOS.inScheme, iri)}
    assert members == SCHEMES[scheme]
    for name in members:
        assert (URIRef(RK + name), RDF.type, SKOS.Concept) in onto


def test_ontology_every_named_individual_is_a_scheme_or_in_one(onto):
    for ind in onto.subjects(RDF.type, OWL.NamedIndividual):
        assert ((ind, RDF.type, SKOS.ConceptScheme) in onto
                or onto.value(ind, SKOS.inScheme) is not None), ind


@pytest.mark.parametrize("sub,rel,sup", [
    (RK + "Report", RDFS.subClassOf, PROV + "Entity"),
    (RK + "Report", RDFS.subClassOf, FOAF + "Document"),
    (RK + "Inspection", RDFS.subClassOf, PROV + "Activity"),
    (RK + "Measure", RDFS.subClassOf, PROV + "Activity"),
    (RK + "Policy", RDFS.subClassOf, PROV + "Entity"),
    (RK + "Policy", RDFS.subClassOf, DCTERMS + "BibliographicResource"),
    (RK + "Concept", RDFS.subClassOf, str(SKOS.Concept)),
    (RK + "conductedBy", RDFS.subPropertyOf, PROV + "wasAssociatedWith"),
    (RK + "reportedIn", RDFS.subPropertyOf, DCTERMS + "isReferencedBy"),
    (RK + "evidence", RDFS.range, "http://www.w3.org/ns/oa#TextPositionSelector"),
    (RK + "inReport", RDFS.range, RK + "Report"),
    (RK + "contactPoint", RDFS.range, "http://www.w3.org/2006/vcard/ns#Kind"),
])
def test_ontology_aligns_to_the_standards(onto, sub, rel, sup):
    assert (URIRef(sub), rel, URIRef(sup)) in onto


def test_ontology_language_tags_are_zh_or_en(onto):
    tags = {o.language for o in onto.objects() if isinstance(o, Literal) and o.language}
    assert tags == {"zh", "en"}


def test_ontology_undeclared_rk_terms_in_any_position():
    g = Graph()
    problem = URIRef("https://w3id.org/rectkg/id/problem/k/0")   # data IRIs are not rk: terms
    g.add((problem, RDF.type, URIRef(RK + "Problm")))             # typo as an object
    g.add((problem, URIRef(RK + "statuss"), URIRef(RK + "Completed")))  # typo as a predicate
    g.add((URIRef(RK + "Nonsense"), RDFS.label, Literal("x")))    # unknown as a subject
    g.add((problem, URIRef(RK + "reportedIn"), URIRef("https://w3id.org/rectkg/id/report/k")))
    assert undeclared_rk_terms(g) == {RK + "Problm", RK + "statuss", RK + "Nonsense"}


def test_ontology_undeclared_rk_terms_reads_every_named_graph():
    ds = Dataset()
    named = ds.graph(URIRef("https://w3id.org/rectkg/graph/k"))
    named.add((URIRef("https://w3id.org/rectkg/id/x"), RDF.type, URIRef(RK + "Reprot")))
    assert undeclared_rk_terms(ds) == {RK + "Reprot"}
    assert undeclared_rk_terms(Graph()) == set()
