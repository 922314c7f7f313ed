"""Doc + entities → quads with deterministic IRIs and evidence: a triple that names the report
(its nodes, spans, and links to it) in the report's own named graph, a triple about an entity that
reports share (an organisation's type and labels …) in the shared graph, so that it is stored once.

Every span written has ``oa:exact == rk:content[oa:start:oa:end]``; :func:`map_report` checks this
before returning, so a wrong offset is a crash here, never a silent lie in the graph.
The IRI scheme is documented in docs/GRAPH.md.

Triples are written straight to N-Triples text (:func:`map_triples`: the worker sorts them into
the report's piece; :func:`map_report` gives them as N-Quads, the form Oxigraph bulk-loads);
building a term object per triple cost more than all the extraction.

>>> print(lit('say "hi"', "zh"), lit("5", dt=XSD.integer))
"say \\"hi\\""@zh "5"^^<http://www.w3.org/2001/XMLSchema#integer>
"""
from __future__ import annotations

from kg import vocab
from kg.doc import Doc, Span
from kg.resolve import Resolution, iri_hash
from kg.vocab import GENRES, GRAPH_IRI, ID_IRI, PREFIXES, SHARED_GRAPH_IRI, STATUSES


class _InNQuads:
    """A vocabulary namespace whose terms read as N-Quads text (``RK.Problem`` is
    ``"<https://w3id.org/rectkg/ontology#Problem>"``), each rendered once, on first use: the writer
    then only joins strings. Unknown terms are refused as :mod:`kg.vocab` refuses them."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        term = f"<{getattr(self._namespace, name).value}>"
        setattr(self, name, term)  # later look-ups skip __getattr__
        return term


# in this module the namespaces give N-Quads text, not NamedNode objects
RK, ORG, FOAF, PROV, DCTERMS, SKOS, OA, RDF, RDFS, XSD, VCARD = (
    _InNQuads(ns) for ns in (vocab.RK, vocab.ORG, vocab.FOAF, vocab.PROV, vocab.DCTERMS, vocab.SKOS,
                             vocab.OA, vocab.RDF, vocab.RDFS, vocab.XSD, vocab.VCARD))

_POLICY_TYPES = {"Regulation", "Rules", "Measures", "Opinion", "Plan", "Notice", "DetailedRules",
                 "WorkPlan", "System", "List", "Guideline", "Programme", "Outline", "Form", "Letter",
                 "Publication", "Broadcast", "WorkReport", "OtherDocument"}
_MEASURE_KINDS = {"planned": "Planned", "done": "Done", "unspecified": "Unspecified"}
_ROLE_PROPS = {"lead": "leadUnit", "participating": "participatingUnit", "responsible": "responsibleUnit"}


def report_key(doc: Doc) -> str:
    """The report's key: the first 16 hex digits of the SHA-256 of its original bytes."""
    return doc.sha256[:16]


def lit(text: str, lang: str | None = None, dt: str | None = None) -> str:
    """A literal in N-Quads form (language tag or datatype term)."""
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        # the backslash first, so the escapes added after it stay as they are
        text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    body = '"' + text + '"'
    if lang:
        return f"{body}@{lang}"
    if dt is not None:
        return f"{body}^^{dt}"
    return body


def zh(text: str) -> str:
    return lit(text, "zh")


_INTEGER = "^^<http://www.w3.org/2001/XMLSchema#integer>"


def integer(n: int) -> str:
    return f'"{int(n)}"{_INTEGER}'


def boolean(b: bool) -> str:
    return lit("true" if b else "false", dt=XSD.boolean)


def decimal(value: float) -> str:
    """An xsd:decimal in canonical form, so stores that canonicalise keep it byte-identical.

    >>> decimal(5176400.0), decimal(0.95)
    ('"5176400"^^<http://www.w3.org/2001/XMLSchema#decimal>', '"0.95"^^<http://www.w3.org/2001/XMLSchema#decimal>')
    """
    v = float(value)
    text = str(int(v)) if v.is_integer() else repr(round(v, 6))
    return lit(text, dt=XSD.decimal)


def xsd_date(iso: str) -> str:
    """An ISO date as xsd:date, or as xsd:gYearMonth where only the month is known.

    >>> xsd_date("2021-06-16"), xsd_date("2020-11")
    ('"2021-06-16"^^<http://www.w3.org/2001/XMLSchema#date>', '"2020-11"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>')
    """
    return lit(iso, dt=XSD.gYearMonth if len(iso) == 7 else XSD.date)


class _Writer:
    """Collects the quads of one report, with the span bookkeeping in one place."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.key = report_key(doc)
        self.report = f"<{ID_IRI}report/{self.key}>"
        self.own: list[str] = []      # "s p o" of the triples in the report's graph
        self.shared: list[str] = []   # and of those in the shared graph
        self._spans: set[tuple[int, int]] = set()
        self._span_iri = f"<{ID_IRI}span/{self.key}/"

    def add(self, s: str, p: str, o: str) -> None:
        """Add a triple; all three terms are N-Triples text (the namespaces here give terms as
        text). A triple naming the report's key goes into its graph, any other into the shared one."""
        (self.own if self.key in s or self.key in o else self.shared).append(f"{s} {p} {o}")

    def add_all(self, s: str, pairs) -> None:
        """Add the triples of one subject from (predicate, object) pairs."""
        if self.key in s:
            self.own.extend(f"{s} {p} {o}" for p, o in pairs)
        else:
            for p, o in pairs:
                self.add(s, p, o)

    def node(self, path: str) -> str:
        return f"<{ID_IRI}{path}>"

    def span(self, span: Span) -> str:
        """The selector node of ``span`` (written once per report, in the report's graph: its
        node names the key)."""
        node = f"{self._span_iri}{span.start}-{span.end}>"
        if (span.start, span.end) not in self._spans:
            self._spans.add((span.start, span.end))
            if self.doc.text[span.start:span.end] != span.text:
                raise AssertionError(f"{self.doc.source}: span {span.start}-{span.end} does not quote the text")
            self.own += (f"{node} {RDF.type} {OA.TextPositionSelector}",
                         f"{node} {RDF.type} {OA.TextQuoteSelector}",
                         f"{node} {RK.inReport} {self.report}",
                         f"{node} {OA.start} {integer(span.start)}",
                         f"{node} {OA.end} {integer(span.end)}",
                         f"{node} {OA.exact} {lit(span.text)}")
        return node

    def evidence(self, subject, span: Span | None, prop=None) -> None:
        if span is not None and span.text:
            self.add(subject, prop or RK.evidence, self.span(span))


def map_report(doc: Doc, res: Resolution) -> bytes:
    """All quads the report contributes, as N-Quads: in its named graph ``GRAPH_IRI + key``, and
    the shared entities' types and labels in ``SHARED_GRAPH_IRI``."""
    own, shared = map_triples(doc, res)
    return to_nquads(own, shared, GRAPH_IRI + report_key(doc))


def to_nquads(own: list[str], shared: list[str], graph: str) -> bytes:
    """N-Triples lines without `` .`` as N-Quads: ``own`` in ``graph``, ``shared`` in the shared
    graph, in the order given."""
    # line by line: most lines are ASCII and encode as a copy, where one joined string would be
    # wide all through and slow to encode (str.encode is UTF-8)
    tail, shared_tail = f" <{graph}> .\n", f" <{SHARED_GRAPH_IRI}> .\n"
    return b"".join([(t + tail).encode() for t in own] + [(t + shared_tail).encode() for t in shared])


def map_triples(doc: Doc, res: Resolution) -> tuple[list[str], list[str]]:
    """The triples the report contributes as N-Triples lines without `` .``: those in its own
    graph (every one names its key) and those in the shared graph, each in the order made."""
    w = _Writer(doc)
    r = w.report
    meta = doc.facts.get("meta", {})
    w.add(r, RDF.type, RK.Report)
    w.add(r, RDF.type, PROV.Entity)
    w.add(r, RDF.type, FOAF.Document)
    w.add(r, DCTERMS.source, lit(doc.source))
    w.add(r, RK.sha256, lit(doc.sha256))
    w.add(r, RK.sourceFormat, lit(doc.format))
    w.add(r, RK.sourceEncoding, lit(doc.encoding))
    w.add(r, RK.convertedFromTraditional, boolean(doc.converted_from_traditional))
    w.add(r, RK.content, lit(doc.text))
    w.add(r, RK.genre, getattr(RK, GENRES.get(meta.get("genre", "other"), "OtherGenre")))
    if meta.get("jurisdiction"):
        w.add(r, RK.jurisdiction, zh(meta["jurisdiction"]))
    if meta.get("title") is not None:
        w.add(r, DCTERMS.title, zh("".join(meta["title"].text.split())))
        w.evidence(r, meta["title"])
    if meta.get("date") is not None:
        w.add(r, DCTERMS.issued, xsd_date(meta["date"].iso))

    orgs = {key: w.node(f"org/{iri_hash(key)}") for key in res.organisations}
    for key, ent in sorted(res.organisations.items()):
        o = orgs[key]
        w.add(o, RDF.type, ORG.Organization)
        pref = ent.pref_label
        w.add(o, SKOS.prefLabel, zh(pref))
        for lab in sorted(set(ent.labels) - {pref}):
            w.add(o, SKOS.altLabel, zh(lab))
        for sp in ent.mentions:
            w.evidence(o, sp)
        w.add(r, RK.mentions, o)
    issuer = meta.get("issuer")
    if issuer is not None and res.org(issuer.text):
        w.add(r, DCTERMS.publisher, orgs[res.org(issuer.text)])

    for key, ent in sorted(res.people.items()):
        p = w.node(f"person/{iri_hash(key)}")
        w.add(p, RDF.type, FOAF.Person)
        w.add(p, FOAF.name, zh(ent.labels[0]))
        for post in ent.attrs.get("posts", []):
            w.add(p, RK.post, zh(post))
        for sp in ent.mentions:
            w.evidence(p, sp)
        w.add(r, RK.mentions, p)

    policy_nodes = {}
    for key, ent in sorted(res.policies.items()):
        d = w.node(f"policy/{iri_hash(key)}")
        policy_nodes[key] = d
        w.add(d, RDF.type, RK.Policy)
        w.add(d, RDF.type, PROV.Entity)
        w.add(d, RDFS.label, zh(ent.labels[0]))
        typ = ent.attrs.get("type", "OtherDocument")
        w.add(d, RK.policyType, getattr(RK, typ if typ in _POLICY_TYPES else "OtherDocument"))
        w.add(d, RK.isPolicy, boolean(ent.attrs.get("is_policy", True)))
        if ent.attrs.get("draft"):
            w.add(d, RK.draftState, getattr(RK, ent.attrs["draft"]))
        for sp in ent.mentions:
            w.evidence(d, sp)
        w.add(r, RK.mentions, d)

    concept_nodes = {}
    for key, ent in sorted(res.concepts.items()):
        c = concept_nodes[key] = w.node(f"concept/{iri_hash(key)}")
        w.add(c, RDF.type, RK.Concept)
        w.add(c, RDF.type, SKOS.Concept)
        w.add(c, SKOS.prefLabel, zh(ent.labels[0]))
        w.add(c, SKOS.inScheme, RK.ConceptScheme)
        for sp in ent.mentions:
            w.evidence(c, sp)
        w.add(r, RK.mentions, c)

    _map_inspection(w, doc, res, orgs)
    _map_counts(w, doc)
    problem_nodes = _map_problems(w, doc)
    measure_nodes = _map_measures(w, doc, res, orgs, problem_nodes, policy_nodes, concept_nodes)
    _map_quantities_contacts(w, doc)
    _map_workbench(w, doc, res, orgs, problem_nodes, measure_nodes)
    return w.own, w.shared


def _map_inspection(w: _Writer, doc: Doc, res: Resolution, orgs: dict) -> None:
    insp = doc.facts.get("inspection") or {}
    if not insp:
        return
    i = w.node(f"inspection/{w.key}")
    w.add(i, RDF.type, RK.Inspection)
    w.add(i, RDF.type, PROV.Activity)
    w.add(w.report, RK.respondsTo, i)
    if insp.get("kind") is not None:
        word = insp["kind"].text
        k = w.node(f"kind/{iri_hash(word)}")
        w.add(i, RK.kind, k)
        w.add(k, RDF.type, RK.InspectionKind)
        w.add(k, RDF.type, SKOS.Concept)
        w.add(k, SKOS.prefLabel, zh(word))
        w.add(k, SKOS.inScheme, RK.InspectionKindScheme)
    for role, prop in (("team", RK.conductedBy), ("target", RK.inspected)):
        if insp.get(role) is not None and res.org(insp[role].text):
            w.add(i, prop, orgs[res.org(insp[role].text)])
    for role, prop in (("start", RK.startDate), ("end", RK.endDate), ("feedback", RK.feedbackDate)):
        if insp.get(role) is not None:
            w.add(i, prop, xsd_date(insp[role].iso))
            w.evidence(i, insp[role].span)
    if insp.get("round") is not None:
        w.add(i, RK.round, zh("".join(insp["round"].text.split())))
        w.evidence(i, insp["round"])
    if insp.get("trigger") is not None:
        w.evidence(i, insp["trigger"])


_COUNT_PROPS = {"problems": "statedProblemCount", "completed": "statedCompletedCount",
                "in_progress": "statedInProgressCount", "measures": "statedMeasureCount",
                "rules": "statedRuleCount"}


def _map_counts(w: _Writer, doc: Doc) -> None:
    for kind, (value, span) in sorted(doc.facts.get("counts", {}).items()):
        w.add(w.report, getattr(RK, _COUNT_PROPS[kind]), integer(value))
        w.evidence(w.report, span)
    for f in doc.facts.get("findings", []):
        n = w.node(f"finding/{w.key}/{f['kind']}")
        w.add(w.report, RK.hasFinding, n)
        w.add(n, RDF.type, RK.ConsistencyFinding)
        w.add(n, RK.countKind, lit(f["kind"]))
        w.add(n, RK.statedValue, integer(f["stated"]))
        w.add(n, RK.listedValue, integer(f["listed"]))
        w.add(n, RK.message, lit(f["message"], "en"))
        w.evidence(n, f["span"])


def _map_problems(w: _Writer, doc: Doc) -> dict[int, str]:
    nodes: dict[int, str] = {}
    cats: dict[tuple[int, int], str] = {}
    for idx, p in enumerate(doc.facts.get("problems", [])):
        n = w.node(f"problem/{w.key}/{idx}")
        nodes[id(p)] = n
        w.add(n, RDF.type, RK.Problem)
        w.add(n, RDFS.label, zh(p.title.text))
        if p.ordinal:
            w.add(n, RK.ordinal, lit(p.ordinal))
        w.add(n, RK.reportedIn, w.report)
        w.add(n, RK.status, getattr(RK, STATUSES[p.status]))
        w.evidence(n, p.title)
        w.evidence(n, p.status_evidence, RK.statusEvidence)
        if p.category is not None and p.category.text:
            ck = (p.category.start, p.category.end)
            if ck not in cats:
                c = cats[ck] = w.node(f"category/{w.key}/{len(cats)}")
                w.add(c, RDF.type, RK.ProblemCategory)
                w.add(c, RDFS.label, zh(p.category.text))
                w.evidence(c, p.category)
            w.add(n, RK.category, cats[ck])
        if p.parent is not None and id(p.parent) in nodes:
            w.add(n, RK.subProblemOf, nodes[id(p.parent)])
    return nodes


def _map_measures(w: _Writer, doc: Doc, res: Resolution, orgs: dict, problems: dict,
                  policies: dict, concepts: dict) -> dict[int, str]:
    from kg.resolve import policy_key

    import bisect

    policy_mentions = sorted(doc.facts.get("policies", []), key=lambda x: x.span.start)
    policy_starts = [x.span.start for x in policy_mentions]
    concept_mentions = sorted(doc.facts.get("concepts", []), key=lambda x: x.span.start)
    concept_starts = [x.span.start for x in concept_mentions]
    counters: dict[int, int] = {}
    nodes: dict[int, str] = {}
    index = {pid: i for i, pid in enumerate(problems)}
    for m in doc.facts.get("measures", []):
        pidx = index.get(id(m.problem))
        if pidx is None:
            continue
        k = counters[pidx] = counters.get(pidx, -1) + 1
        node = nodes[id(m)] = w.node(f"measure/{w.key}/{pidx}/{k}")
        w.add(node, RDF.type, RK.Measure)
        w.add(node, RDF.type, PROV.Activity)
        w.add(node, RDFS.label, zh(m.label.text))
        w.add(node, RK.addresses, problems[id(m.problem)])
        for other in getattr(m, "also_addresses", []):
            if id(other) in problems:
                w.add(node, RK.addresses, problems[id(other)])
        if m.ordinal:
            w.add(node, RK.ordinal, lit(m.ordinal))
        w.add(node, RK.measureKind, getattr(RK, _MEASURE_KINDS[m.kind]))
        w.evidence(node, m.span)
        for role, span in m.units:
            key = res.org(span.text)
            if key:
                w.add(node, getattr(RK, _ROLE_PROPS[role]), orgs[key])
        lo, hi = bisect.bisect_left(concept_starts, m.span.start), bisect.bisect_left(concept_starts, m.span.end)
        for cm in concept_mentions[lo:hi]:
            if cm.text in concepts:
                w.add(node, RK.mentions, concepts[cm.text])
        lo, hi = bisect.bisect_left(policy_starts, m.span.start), bisect.bisect_left(policy_starts, m.span.end)
        for pm in policy_mentions[lo:hi]:
            if pm.attrs.get("action"):
                d = policies.get(policy_key(pm.text))
                if d is not None:
                    w.add(node, RK.makes if pm.attrs["action"] == "makes" else RK.applies, d)
    return nodes


def _map_quantities_contacts(w: _Writer, doc: Doc) -> None:
    for q in doc.facts.get("quantities", []):
        n = w.node(f"quantity/{w.key}/{q.span.start}-{q.span.end}")
        w.add(w.report, RK.hasQuantity, n)
        w.add(n, RDF.type, RK.Quantity)
        w.add(n, RK.numericValue, decimal(q.attrs["value"]))
        w.add(n, RK.unit, zh(q.attrs["unit"]))
        if q.attrs.get("counts"):
            w.add(n, RK.counts, zh(q.attrs["counts"]))
        w.evidence(n, q.span)
    c = doc.facts.get("contacts") or {}
    if c:
        n = w.node(f"contact/{w.key}")
        w.add(w.report, RK.contactPoint, n)
        w.add(n, RDF.type, VCARD.Kind)
        if "phone" in c:
            w.add(n, VCARD.hasTelephone, "<tel:" + c["phone"].text.replace(" ", "") + ">")
        if "email" in c:
            w.add(n, VCARD.hasEmail, "<mailto:" + c["email"].text + ">")
        if "address" in c:
            a = w.node(f"contact/{w.key}/address")
            w.add(n, VCARD.hasAddress, a)
            w.add(a, RDF.type, VCARD.Address)
            w.add(a, "<" + PREFIXES["vcard"] + "street-address>", zh(c["address"].text))
        for sp in c.values():
            w.evidence(n, sp)


# --------------------------------------------------------------------------- the workbench (issue 14)
# Deadlines, responsibility and regions: additions of their own, kept apart from the mapping above.

_DEADLINE_KINDS = {"immediate": "Immediate", "long_term": "LongTerm", "by_date": "ByDate"}
_RESPONSIBILITY_ROLES = {"lead": "LeadUnit", "responsible": "ResponsibleUnit",
                         "participating": "ParticipatingUnit", "person": "ResponsiblePerson"}


def _map_region(w: _Writer, subject: str, place: str) -> None:
    """GB/T 2260 code and names of the division ``place`` names (nothing when it names none)."""
    from kg.regions import region_of

    region = region_of(place)
    if not region.code:
        return
    w.add(subject, RK.regionCode, lit(region.code))
    for prop, name in ((RK.province, region.province), (RK.city, region.city),
                       (RK.county, region.county)):
        if name:
            w.add(subject, prop, zh(name))


def _map_workbench(w: _Writer, doc: Doc, res: Resolution, orgs: dict, problems: dict,
                   measures: dict) -> None:
    meta = doc.facts.get("meta", {})
    if meta.get("jurisdiction"):
        _map_region(w, w.report, meta["jurisdiction"])
    for key in sorted(res.organisations):
        _map_region(w, orgs[key], key)
    written: set[str] = set()
    for dl, problem, measure in doc.facts.get("deadlines", []):
        n = w.node(f"deadline/{w.key}/{dl.span.start}-{dl.span.end}")
        owners = [problems.get(id(problem))] + ([measures.get(id(measure))] if measure else [])
        owners = [o for o in owners if o]
        if not owners:
            continue
        for o in owners:
            w.add(o, RK.deadline, n)
        if n in written:
            continue
        written.add(n)
        w.add(n, RDF.type, RK.Deadline)
        w.add(n, RK.deadlineKind, getattr(RK, _DEADLINE_KINDS[dl.kind]))
        w.add(n, RDFS.label, zh(dl.span.text))
        if dl.due:
            w.add(n, RK.dueDate, xsd_date(dl.due))
        w.evidence(n, dl.span)
    for rs, problem, measure in doc.facts.get("responsibility", []):
        n = w.node(f"responsibility/{w.key}/{rs.span.start}-{rs.span.end}")
        owners = [problems.get(id(problem))] + ([measures.get(id(measure))] if measure else [])
        owners = [o for o in owners if o]
        if not owners:
            continue
        for o in owners:
            w.add(o, RK.responsibility, n)
        if n in written:
            continue
        written.add(n)
        w.add(n, RDF.type, RK.Responsibility)
        w.add(n, RK.role, getattr(RK, _RESPONSIBILITY_ROLES[rs.role]))
        w.add(n, RDFS.label, zh(rs.span.text))
        key = res.org(rs.span.text)
        if key and key in orgs and rs.role != "person":
            w.add(n, RK.assignedTo, orgs[key])
        w.evidence(n, rs.span)
