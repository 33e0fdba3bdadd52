"""XML as Ralph answers and reads it (``djangorestframework-xml``): ``<root>``, lists as ``<list-item>``."""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import XMLGenerator

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

from .errors import detail

#: Deepest nesting of elements an XML body may have (as for JSON).
MAX_DEPTH = 32
_NOT_NAME = re.compile(r"[^\w.-]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render_xml(data) -> bytes:
    """``data`` (decoded JSON) as DRF's XMLRenderer writes it: objects as elements named by their keys, lists as
    ``<list-item>`` elements, null as an empty element, booleans as ``True``/``False``; characters XML cannot
    hold become U+FFFD."""
    out = io.StringIO()
    xml = XMLGenerator(out, "utf-8", short_empty_elements=False)
    xml.startDocument()
    xml.startElement("root", {})
    _write(xml, data)
    xml.endElement("root")
    xml.endDocument()
    return out.getvalue().encode()


def _write(xml: XMLGenerator, data) -> None:
    if isinstance(data, list):
        for item in data:
            xml.startElement("list-item", {})
            _write(xml, item)
            xml.endElement("list-item")
    elif isinstance(data, dict):
        for key, value in data.items():
            name = _name(str(key))
            xml.startElement(name, {})
            _write(xml, value)
            xml.endElement(name)
    elif data is not None:
        xml.characters(_NOT_XML.sub("\ufffd", str(data)))


def _name(key: str) -> str:
    """``key`` as an element name: what XML does not allow in a name becomes ``_`` (a custom field's key with a
    space, a query parameter named in an error), so the document stays well-formed (Ralph's renderer breaks)."""
    name = _NOT_NAME.sub("_", key)
    return name if name[:1].isalpha() or name[:1] == "_" else f"_{name}"


def parse_xml(raw: bytes) -> dict:
    """A request body in that XML as a dict: an element with children is an object (a list when its first child
    is ``<list-item>``), an empty one null, text an integer when it is one, else a string. Entities and DTDs
    are refused (defusedxml); a malformed or too deep document is a 400."""
    try:
        root = SafeTree.fromstring(raw)
    except (SafeTree.ParseError, DefusedXmlException) as ex:
        raise detail(400, f"XML parse error - {ex}") from None
    value = _read(root, 0)
    return {} if value is None else value


def _read(element, depth: int):
    if depth > MAX_DEPTH:
        raise detail(400, f"XML parse error - nested deeper than {MAX_DEPTH} levels")
    children = list(element)
    if not children:
        return _scalar(element.text)
    if children[0].tag == "list-item":
        return [_read(child, depth + 1) for child in children]
    return {child.tag: _read(child, depth + 1) for child in children}


def _scalar(text: str | None):
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text
