"""The boilerplate lines of government web sites (版权所有, ICP备, 【字体：大 中 小】 …), in any format."""
from __future__ import annotations

import re

# a line that carries the publication facts: kept, only its trailing widget chunk is cut
_META_LINE_RE = re.compile(
    r"^.{0,40}?(?:来源|发布时间|发布日期|发文日期|成文日期|发布机构|发布单位|信息来源|文章来源|"
    r"日期|时间|作者|责任编辑|编辑)\s*[:：]")
# where a meta line's trailing widgets start (【字体：大 中 小】, 打印, 分享 …)
_TAIL_RE = re.compile(
    r"\s*[【\[［(（]?\s*(?:字[体號号]\s*(?:大小)?\s*[:：]|字[体号]大小|[【\[]\s*[大中小]\s*[】\]]|打印本页|"
    r"打印此页|打印文章|【\s*打印\s*】|\[\s*打印\s*\]|关闭窗口|关闭本页|【\s*关闭\s*】|\[\s*关闭\s*\]|"
    r"分享到|扫一扫|(?:浏览|阅读|访问|点击)(?:次数|量|数)\s*[:：]|【\s*收藏\s*】|加入收藏|收藏本页)")
# whole-line boilerplate found anywhere in a (short) line
_CONTAINS_RE = re.compile(
    r"版权所有(?![人者方])|[Cc]opyright|©|ICP\s*[备证]|公网安备|网站标识码|(?:主办|承办|协办)单位\s*[:：]|"
    r"技术支持\s*[:：]|(?:浏览|阅读|访问|点击)(?:次数|量|数)\s*[:：]|打印本页|关闭窗口|"
    r"【\s*打印\s*】|【\s*关闭\s*】|扫一扫在手机")
# weaker signs, also said in report prose ("请联系我们"): they only count in a short line
_WEAK_RE = re.compile(r"联系我们|网站地图|加入收藏|设为首页|返回顶部|技术支持|网站声明|隐私声明")
# whole-line boilerplate recognised by how the line starts
_STARTS_RE = re.compile(
    r"^\s*(?:[【\[［]?\s*(?:上一篇|下一篇|上一条|下一条|上一页|下一页)|"
    r"(?:当前位置|您现在的位置|您的位置|现在位置|所在位置|当前页面)\s*[:：]|"
    r"首页\s*(?:>|＞|›|»|→|/|&gt;|-\s*>)|"
    r"分享到|[【\[]?\s*扫一扫|[【\[]?\s*字[体號号]\s*(?:大小)?\s*[:：]|[【\[]?\s*字[体号]大小)")
# every match of the three above contains one of these keywords (a cheap first scan)
_KEY_RE = re.compile("|".join(map(re.escape, [
    "字体", "字號", "字号", "【大", "【中", "【小", "[大", "[中", "[小", "打印", "关闭", "分享到", "扫一扫",
    "次数", "浏览量", "阅读量", "访问量", "点击量", "浏览数", "阅读数", "访问数", "点击数", "收藏", "版权所有",
    "opyright", "©", "ICP", "公网安备", "网站标识码", "网站地图", "主办单位", "承办单位", "协办单位", "技术支持",
    "联系我们", "设为首页", "返回顶部", "上一篇", "上一条", "上一页", "下一篇", "下一条", "下一页", "位置",
    "当前页面", "首页", "网站声明", "隐私声明"])))
_EMPTY_REST_RE = re.compile(r"^[\s\W_\d大中小]*$")


def _clean_line(line: str) -> str | None:
    """The line without boilerplate: itself, a shortened meta line, or None to drop it."""
    if _META_LINE_RE.match(line) and len(line) < 300:
        m = _TAIL_RE.search(line)
        if m and m.start() > 0:
            head = line[:m.start()].rstrip()
            if not _EMPTY_REST_RE.match(head):
                return head
    if len(line) > 300:  # page furniture is short; a long line is text (or a whole one-line report)
        return line
    if _STARTS_RE.match(line) and len(line) < 200:
        return None
    hits = {m.group(0) for m in _CONTAINS_RE.finditer(line)}
    weak = {m.group(0) for m in _WEAK_RE.finditer(line)}
    if (hits and (len(line) < 120 or len(hits | weak) >= 2)) or (weak and (len(line) <= 30 or len(weak) >= 2)):
        return None
    if _TAIL_RE.search(line) and _EMPTY_REST_RE.match(_TAIL_RE.sub("", line)):
        return None
    return line


def strip_boilerplate_lines(text: str) -> tuple[str, int]:
    """Remove the boilerplate lines of government web pages; return (text, lines removed).

    Lines with the publication facts ("来源：… 发布日期：…") are kept, their trailing
    【字体：大 中 小】 chunk cut. Everything else, line endings included, is left as it was.

    >>> t = "首页 > 政务公开\\n关于整改情况的通报\\n来源：区纪委  发布日期：2021-09-16 【字体：大 中 小】\\n正文。\\n版权所有：某某\\n"
    >>> strip_boilerplate_lines(t)
    ('关于整改情况的通报\\n来源：区纪委  发布日期：2021-09-16\\n正文。\\n', 2)
    """
    if not _KEY_RE.search(text):
        return text, 0
    out: list[str] = []
    removed = 0
    pos = 0
    for m in _KEY_RE.finditer(text):
        if m.start() < pos:
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        nl = text.find("\n", m.end())
        end = len(text) if nl < 0 else nl + 1
        out.append(text[pos:start])
        whole = text[start:end]
        body = whole.rstrip("\r\n")
        ending = whole[len(body):]
        cleaned = _clean_line(body)
        if cleaned is None:
            removed += 1
        else:
            out.append(cleaned + ending)
        pos = end
    out.append(text[pos:])
    return "".join(out), removed
