"""What every page rectkg writes shares: the Jinja2 environment, the static files, safe JSON.

Templates live in ``kg/templates/`` and escape by default; scripts and styles live in
``kg/static/`` and are put inline into each page (so one page opens alone, from ``file://`` or a
server, offline). Document text reaches a page only through Jinja2's escaping, inside ``<bdi>``
(a U+202E in a report must not reorder the page's own text), or as JSON inside
``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped (:func:`json_for_script`).

>>> environment().from_string("<bdi>{{ text }}</bdi>").render(text="<script>x</script>")
'<bdi>&lt;script&gt;x&lt;/script&gt;</bdi>'
"""
from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from markupsafe import Markup

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

CSP = ("default-src 'none'; script-src 'unsafe-inline' {lib}; style-src 'unsafe-inline' {lib}; "
       "img-src data:; font-src data:")
"""The Content-Security-Policy of every page: nothing is fetched from anywhere (``{lib}`` is
``'self'`` when a page links the shared vis-network copy under ``views/lib/``)."""


@functools.lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment over ``kg/templates`` (autoescaping on for every template)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["json_script"] = lambda v: Markup(json_for_script(v))
    env.globals["asset"] = asset
    return env


def render(template: str, **context: Any) -> str:
    """Render ``kg/templates/<template>`` with ``context``."""
    return environment().get_template(template).render(**context)


@functools.lru_cache(maxsize=None)
def _asset_text(name: str) -> str:
    text = (STATIC / name).read_text(encoding="utf-8")
    # inline <script>/<style>: nothing in them may end the element early
    return text.replace("</script", "<\\/script").replace("</style", "<\\/style")


def asset(name: str) -> Markup:
    """The text of ``kg/static/<name>``, to put inline into a ``<script>`` or ``<style>``."""
    return Markup(_asset_text(name))


def json_for_script(value: Any) -> str:
    """JSON that cannot end the ``<script>`` element it sits in.

    >>> json_for_script({"a": "</script><b>"})
    '{"a":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a page is for reading
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
