"""HTML pages cut down to their main text, one block a line."""
from __future__ import annotations

import re
from functools import lru_cache

from kg.ingest.boilerplate import _META_LINE_RE
from kg.ingest.limits import HTML_MAX_TAGS
from kg.ingest.text import _count_cjk

_HTML_SUFFIXES = frozenset({".htm", ".html", ".shtml", ".xhtml"})
_JUNK_TAGS = ("script", "style", "noscript", "iframe", "template", "svg", "object", "embed",
              "select", "button", "textarea", "input", "canvas", "map", "audio", "video", "head")
_LAYOUT_TAGS = ("nav", "header", "footer", "aside", "form", "menu")
_BOILER_ATTR_RE = re.compile(
    r"nav|menu|footer|share|breadcrumb|crumb|copyright|banner|sidebar|comment|(?:pre|prev)[-_]?next|"
    r"pager|pagination|related|toolbar", re.IGNORECASE)
_MAIN_ATTR_RE = re.compile(r"content|article|main|trs_editor|zoom", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    "p div br li h1 h2 h3 h4 h5 h6 tr table section article ul ol dl dt dd blockquote pre hr "
    "main center figure figcaption caption tbody thead tfoot address fieldset body html header "
    "footer nav aside form details summary legend option".split())
_CELL_TAGS = frozenset({"td", "th"})
_INLINE_TAGS = frozenset(
    "a span font strong b i em u sub sup small big img label code abbr ins del s strike mark q "
    "cite time var kbd samp tt bdi bdo wbr o:p".split())
_HTML_WS_RE = re.compile(r"[ \t\r\n\f]+")
_PARA_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 li dd dt blockquote pre".split())
_HTML_SNIFF_RE = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
                            re.IGNORECASE | re.DOTALL)


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_SNIFF_RE.match(text[:4096]))


def _text_of(el) -> str:
    return _xpath_string()(el)


@lru_cache(maxsize=1)
def _xpath_string():
    from lxml import etree
    return etree.XPath("string()")


def _cjk_count(el) -> int:
    return _count_cjk(_text_of(el))


def _attr_text(el) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''}"


def _drop(el) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


_NL, _TAB = "\ue000", "\ue001"  # block and cell marks put into the tree, turned into \n and \t


def _mark_blocks(doc) -> bool:
    """Put a line mark around every block element and a tab mark before every cell.

    Afterwards the text of any element, serialised by libxml2 in C, carries its block
    structure. Returns False (and marks nothing) if the page itself uses the mark characters.
    """
    if _NL in _text_of(doc) or _TAB in _text_of(doc):
        return False
    for el in doc.iter(*_BLOCK_TAGS):
        el.text = _NL + (el.text or "")
        el.tail = _NL + (el.tail or "")
    for el in doc.iter(*_CELL_TAGS):
        el.text = _TAB + (el.text or "")
    for pre in doc.iter("pre"):  # keep the line breaks of preformatted text
        for node in pre.iter():
            if node.text:
                node.text = node.text.replace("\n", _NL)
            if node is not pre and node.tail:
                node.tail = node.tail.replace("\n", _NL)
    return True


def _html_lines(root, marked: bool = True) -> list[str]:
    """The text of an element, one line per block, cells of a row separated by tabs."""
    from lxml import etree

    if marked:
        text = etree.tostring(root, method="text", encoding=str, with_tail=False)
        text = _HTML_WS_RE.sub(" ", text).replace(_NL, "\n").replace(_TAB, "\t")
    else:
        text = _html_text_walk(root)
    lines = []
    for line in text.split("\n"):
        line = line.strip(" \t\r\f")
        if line and not line.isspace():
            lines.append(line)
    return lines


def _html_text_walk(root) -> str:
    """Like _html_lines's text, element by element in Python (for pages that use the marks)."""
    from lxml import etree

    parts: list[str] = []
    append = parts.append
    ws = _HTML_WS_RE.sub
    pre = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if event == "start":
            if tag in _BLOCK_TAGS:
                append("\n")
                if tag == "pre":
                    pre += 1
            elif tag in _CELL_TAGS:
                append("\t")
            t = el.text
            if t and tag.__class__ is str:
                append(t if pre else ws(" ", t))
        else:
            if tag in _BLOCK_TAGS:
                append("\n")
                if tag == "pre":
                    pre -= 1
            t = el.tail
            if t and el is not root:
                append(t if pre else ws(" ", t))
    return "".join(parts)


def _densest_block(body):
    """The element whose own paragraphs hold the most Chinese text (a readability-style guess)."""
    from lxml import etree

    scores: dict = {}
    stack: list = []  # nearest block ancestors

    def credit(text: str) -> None:
        n = _count_cjk(text)
        if n:
            holder = stack[-1]
            target = holder
            if holder.tag in _CELL_TAGS:  # text right in a table cell: the table is the block
                target = next(holder.iterancestors("table"), holder)
            elif holder.tag in _PARA_TAGS and holder.getparent() is not None:
                target = holder.getparent()
            scores[target] = scores.get(target, 0) + n

    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = el.tag
        if tag.__class__ is not str:
            continue
        block = tag not in _INLINE_TAGS
        if event == "start":
            if block:
                stack.append(el)
            if el.text and stack:
                credit(el.text)
        else:
            if block and stack and stack[-1] is el:
                stack.pop()
            if el.tail and stack:
                credit(el.tail)
    if not scores:
        return body
    return max(scores.items(), key=lambda kv: kv[1])[0]


def _main_block(body, total_cjk: int):
    """An <article> or a content/article/main/TRS_Editor/zoom element, else the densest block."""
    if total_cjk == 0:
        return body
    cands = []
    for el in body.xpath(".//article|.//main|.//*[@id or @class]"):
        if el.tag in ("article", "main") or _MAIN_ATTR_RE.search(_attr_text(el)):
            n = _cjk_count(el)
            if n >= 0.3 * total_cjk:
                cands.append((el, n))
    if cands:
        el, n = max(cands, key=lambda c: c[1])
        # go down to the most specific candidate that still holds most of the text
        while True:
            inner = [(c, m) for c, m in cands if c is not el and m >= 0.7 * n
                     and any(a is el for a in c.iterancestors())]
            if not inner:
                return el
            el, n = max(inner, key=lambda c: c[1])
    return _densest_block(body)


def html_to_text(html: str) -> tuple[str, str | None, list[str]]:
    """The main text of an HTML page, one block a line, its title (or None) and warnings.

    Scripts, styles, menus, headers, footers and elements whose id/class names them as
    navigation, sharing or copyright are left out; the main block is chosen, and the page's
    <h1> and the "来源/发布日期" lines above it are kept.

    >>> html_to_text("<html><head><title>T</title></head><body><div class='nav'>首页 新闻</div>"
    ...              "<div id='content'><p>一、整改情况</p><p>已完成。<br>正在推进。</p></div>"
    ...              "<div class='footer'>版权所有</div></body></html>")
    ('一、整改情况\\n已完成。\\n正在推进。', 'T', [])
    """
    from lxml import etree

    tags = html.count("<")
    if tags > HTML_MAX_TAGS:  # a tree of them would take GBs: strip the tags instead
        return "\n".join(_crude_html_lines(html)), None, [
            f"the page has {tags} tags, more than the {HTML_MAX_TAGS} read as a tree; its text was "
            "read by stripping the tags, page furniture included"]
    parser = etree.HTMLParser(encoding="utf-8", remove_pis=True, recover=True, huge_tree=True,
                              no_network=True)
    try:
        doc = etree.fromstring(html.encode("utf-8", "surrogatepass"), parser)
    except (etree.LxmlError, ValueError):
        doc = None
    if doc is not None:
        comments = list(doc.iter(etree.Comment))
        parsed = _count_cjk(_text_of(doc)) + sum(_count_cjk(c.text or "") for c in comments)
    if doc is None or parsed < 0.5 * _count_cjk(html):
        # the parser gave up part of the page (nested too deeply, say): strip the tags instead
        return "\n".join(_crude_html_lines(html)), None if doc is None else _html_title(doc), [
            "the HTML could not be parsed in full; its text was read by stripping the tags, "
            "page furniture included"]
    title = _html_title(doc)
    for el in comments:
        _drop(el)
    for el in list(doc.iter(*_JUNK_TAGS)):
        _drop(el)
    body = doc.find("body")
    if body is None:
        body = doc
    marked = _mark_blocks(doc)
    lines_full = _html_lines(body, marked)
    total = _count_cjk("\n".join(lines_full))
    # drop layout and boilerplate elements, unless one holds most of the page's text
    dropped: set = set()
    for el in body.xpath(".//nav|.//header|.//footer|.//aside|.//form|.//menu|.//*[@id or @class]"):
        if el.tag not in _LAYOUT_TAGS and not _BOILER_ATTR_RE.search(_attr_text(el)):
            continue
        if any(a in dropped for a in el.iterancestors()):
            continue
        if total and _cjk_count(el) > 0.5 * total:
            continue
        _drop(el)
        dropped.add(el)
    main = _main_block(body, _cjk_count(body))
    lines = _html_lines(main, marked)
    lines = _rescue_heading_lines(lines_full, lines, doc, marked)
    return "\n".join(lines), title, []


_CRUDE_DROP_RE = re.compile(r"<(script|style|noscript|template|textarea)\b.*?</\1\s*>|<!--.*?-->",
                            re.IGNORECASE | re.DOTALL)
_CRUDE_BLOCK_RE = re.compile(r"<(?:br|/?(?:p|div|li|h[1-6]|tr|table|section|article|ul|ol|dl|dd|dt|"
                             r"blockquote|pre|hr|center|form|header|footer|nav|aside))\b[^>]*>", re.IGNORECASE)
_CRUDE_CELL_RE = re.compile(r"<t[dh]\b[^>]*>", re.IGNORECASE)
_CRUDE_TAG_RE = re.compile(r"<[^>]*>")


def _crude_html_lines(html: str) -> list[str]:
    """The page's text by regular expressions alone, for pages the parser cannot take."""
    import html as htmllib

    t = _HTML_WS_RE.sub(" ", _CRUDE_DROP_RE.sub(" ", html))
    t = _CRUDE_BLOCK_RE.sub("\n", t)
    t = _CRUDE_CELL_RE.sub("\t", t)
    t = htmllib.unescape(_CRUDE_TAG_RE.sub("", t))
    lines = []
    for line in t.split("\n"):
        line = line.strip(" \t\r\f")
        if line.strip():
            lines.append(line)
    return lines


def _html_title(doc) -> str | None:
    for meta in doc.iter("meta"):
        if (meta.get("name") or "").lower() == "articletitle" and (meta.get("content") or "").strip():
            return meta.get("content").strip()
    for h in doc.iter("h1"):
        t = _HTML_WS_RE.sub(" ", _text_of(h)).strip()
        if t:
            return t
    t = doc.find(".//title")
    if t is not None:
        text = _HTML_WS_RE.sub(" ", _text_of(t)).strip()
        if text:
            return text
    return None


def _rescue_heading_lines(lines_full: list[str], lines: list[str], doc, marked: bool) -> list[str]:
    """Put back the page's <h1> and the "来源/发布日期" lines that stand just above the main block."""
    if not lines or lines == lines_full:
        return lines
    try:
        start = lines_full.index(lines[0])
    except ValueError:
        start = min(len(lines_full), 30)
    inside = set(lines)
    h1s = {line for h in doc.iter("h1") for line in _html_lines(h, marked)}
    keep: list[str] = []
    for i in range(max(0, start - 8), start):
        line = lines_full[i]
        if line in inside:
            continue
        if _META_LINE_RE.match(line) and len(line) < 300:
            keep.append(line)
    heading = next((line for line in lines_full[:start] if line in h1s and line not in inside), None)
    if heading is not None:
        keep.insert(0, heading)
    return keep + lines
