"""The one document that flows through the pipeline: frozen text, sections, and spans.

Every fact an extractor finds is a :class:`Span` of ``Doc.text``; ``doc.text[s.start:s.end] == s.text``
is exactly what becomes ``oa:start`` / ``oa:end`` / ``oa:exact`` in the graph.

>>> d = Doc(source="a.txt", sha256="0" * 64, text="关于“印章管理还应更严谨”问题")
>>> s = d.span(3, 12)
>>> s.text
'印章管理还应更严谨'
>>> d.text[s.start:s.end] == s.text
True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass(frozen=True, slots=True)
class Span:
    """A run of the document's text: code-point offsets and the exact characters."""

    start: int
    end: int
    text: str

    def __len__(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date as ISO text with the span it was read from: ``YYYY-MM-DD``, or ``YYYY-MM`` where the
    text gives the month and not the day (never an invented day)."""

    iso: str
    span: Span


@dataclass(eq=False)
class Section:
    """A numbered heading and everything up to the next heading of the same or a higher rank.

    ``style`` names the numbering system (see :data:`kg.structure.STYLES`), ``ordinal`` is the
    marker as written without its trailing punctuation ("1", "(一)", "一", "①").
    """

    style: str
    rank: int
    ordinal: str
    number: int
    marker: Span
    title: Span
    start: int
    end: int
    children: list["Section"] = field(default_factory=list)
    parent: "Section | None" = field(default=None, repr=False)

    @property
    def body_start(self) -> int:
        """Where the text after the heading's title begins."""
        return self.title.end

    def walk(self) -> Iterator["Section"]:
        """This section and all its descendants, in document order."""
        yield self
        for c in self.children:
            yield from c.walk()

    def ancestors(self) -> Iterator["Section"]:
        p = self.parent
        while p is not None:
            yield p
            p = p.parent


@dataclass(eq=False)
class Problem:
    """A problem the report answers (rk:Problem)."""

    ordinal: str | None
    title: Span
    span: Span                       # the whole item: heading and body
    category: Span | None = None     # the grouping heading, frame (在…方面) and ordinal removed
    status: str = "unknown"          # completed | in_progress | unknown
    status_evidence: Span | None = None
    parent: "Problem | None" = None  # for a 具体问题 under a numbered problem
    section: Section | None = field(default=None, repr=False)


@dataclass(eq=False)
class Measure:
    """A rectification step (rk:Measure), linked to its problem."""

    label: Span                      # the step's own words (first sentence)
    span: Span                       # the whole step
    problem: Problem
    kind: str = "unspecified"        # planned (整改措施) | done (整改情况) | unspecified
    ordinal: str | None = None
    units: list[tuple[str, Span]] = field(default_factory=list)  # (role, unit name span)
    also_addresses: list[Problem] = field(default_factory=list)   # other problems of the same item


@dataclass(eq=False)
class Mention:
    """A named thing in the text: an organisation, person, policy, concept … ``attrs`` holds
    what the extractor learnt about it (a person's post, a policy's type, an alias's full name)."""

    kind: str
    span: Span
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.span.text


@dataclass
class Doc:
    """One report: its source, its frozen normalised text, and what the pipeline found in it."""

    source: str
    sha256: str
    text: str
    path: str | None = None
    format: str = "txt"
    encoding: str = "utf-8"
    converted_from_traditional: bool = False
    sections: list[Section] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "text" and "text" in self.__dict__:
            raise AttributeError("Doc.text is frozen after normalisation")
        super().__setattr__(name, value)

    def span(self, start: int, end: int) -> Span:
        """The span [start, end) of the text, trimmed of surrounding white space."""
        t = self.text
        while start < end and t[start].isspace():
            start += 1
        while end > start and t[end - 1].isspace():
            end -= 1
        return Span(start, end, t[start:end])

    def all_sections(self) -> Iterator[Section]:
        for s in self.sections:
            yield from s.walk()

    def warn(self, message: str) -> None:
        self.warnings.append(message)
