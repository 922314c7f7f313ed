"""The contact point a report gives for public supervision: phone, e-mail, address (as a vCard).

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="联系电话:0512-66830056;通讯地址:某县某路1号县委巡察办;电子邮箱:abc@xx.gov.cn。")
>>> extract_contacts(d)
>>> {k: v.text for k, v in d.facts["contacts"].items()}
{'phone': '0512-66830056', 'address': '某县某路1号县委巡察办', 'email': 'abc@xx.gov.cn'}
"""
from __future__ import annotations

import re

from kg.doc import Doc
from kg.extractors import extractor

_PHONE = re.compile(r"(?:电话|热线|举报电话|联系方式)[^0-9\n]{0,6}(?P<v>(?:0\d{2,3}[-－]?)?\d{7,8}|1[3-9]\d{9}|12388)")
_EMAIL = re.compile(r"(?P<v>[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_ADDRESS = re.compile(r"(?:通讯地址|联系地址|通信地址|邮寄地址|来信地址|邮政信箱|地址)\s*[:：]\s*(?P<v>[^;；。\n]{4,60}?)(?=[;；。\n]|$|\s*邮政编码|\s*邮编)")


@extractor("contacts", requires=["text"], assigns=["contacts"])
def extract_contacts(doc: Doc) -> None:
    """The first phone, e-mail and address after the report's call for supervision (or anywhere)."""
    text = doc.text
    anchor = max(text.rfind("监督"), 0)
    out = {}
    for key, pat in (("phone", _PHONE), ("address", _ADDRESS), ("email", _EMAIL)):
        m = pat.search(text, anchor) or pat.search(text)
        if m:
            out[key] = doc.span(m.start("v"), m.end("v"))
    doc.facts["contacts"] = out
