"""The rules FHIR sets for narrative XHTML (Narrative.div, type xhtml): a well-formed XHTML ``div`` with some
content (txt-2), and none of what the spec forbids in it (txt-1): head, body, scripts, forms, base, link,
frames, iframes, objects, event attributes."""
from __future__ import annotations

from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
_FORBIDDEN = frozenset({"html", "head", "body", "title", "meta", "script", "noscript", "form", "input", "button",
                        "select", "textarea", "base", "link", "frame", "frameset", "iframe", "object", "embed",
                        "applet"})
# no entities to resolve (the narrative stands alone) and nothing fetched
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def xhtml_problem(value) -> str | None:
    """What is wrong with a narrative ``div``, in words, or None."""
    if not isinstance(value, str):
        return "not an xhtml (a JSON string)"
    try:
        root = etree.fromstring(value, _PARSER)
    except etree.XMLSyntaxError as e:
        return f"not well-formed XHTML: {e.msg}"
    except ValueError as e:         # an encoding declaration in a str
        return f"not well-formed XHTML: {e}"
    if root.getroottree().docinfo.doctype:
        return "a narrative must not have a DOCTYPE"
    if root.tag != f"{{{XHTML}}}div":
        return f"the narrative must be one XHTML div (xmlns={XHTML!r}), not {root.tag!r}"
    has_content = False
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        namespace, _, name = el.tag[1:].partition("}") if el.tag.startswith("{") else ("", "", el.tag)
        if namespace != XHTML:
            return f"element {el.tag!r} is not XHTML"
        if name in _FORBIDDEN:
            return f"a narrative must not hold <{name}>"
        for attribute in el.attrib:
            if attribute.lower().startswith("on") or attribute.startswith("{http://www.w3.org/1999/xlink}"):
                return f"a narrative must not hold the attribute {attribute!r} (on <{name}>)"
        has_content = has_content or name == "img" or bool(el.text and el.text.strip()) or bool(
            el is not root and el.tail and el.tail.strip())
    return None if has_content else "the narrative has no content (txt-2)"
