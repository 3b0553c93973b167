"""The text a visitor reads on a page, and the words in it of the wrong language.

Shared by the tests of the error pages and of the translations' completeness. Data (names,
organizations) is never English in the Chinese tests nor Chinese in the English ones, so any word
of the other language found here comes from a template or the code.
"""

import re
from html import unescape
from html.parser import HTMLParser

# Attributes a visitor reads (or hears from a screen reader) as text.
TEXT_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-empty-text"}
# A word of Latin letters; not a code such as T001 or 3D, a key combination such as Ctrl+C, nor the
# start of a masked secret ("Xo*****", the admin's view of a password's salt).
LATIN_WORD = re.compile(r"(?<![0-9A-Za-z+])[A-Za-z][A-Za-z'’]*(?![0-9A-Za-z+*])")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Not read as language: scripts and styles, and literal code (a command, a path) in <code>/<kbd>/<samp>.
HIDDEN = {"script", "style", "template", "code", "kbd", "samp"}


class _Text(HTMLParser):
    """Collects the visible text, leaving out HIDDEN elements and those marked with `skip_lang`.

    An element marked lang="zh-Hans" on an English page (or lang="en" on a Chinese one) says that
    its text is deliberately in that language: data, or a literal such as a sheet's column header.
    """

    def __init__(self, skip_lang: str):
        super().__init__(convert_charrefs=True)
        self.skip_lang = skip_lang
        self.parts: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, hidden) of the elements we are in

    @property
    def hidden(self) -> bool:
        return bool(self.open) and self.open[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        lang = (attributes.get("lang") or "").lower()
        hidden = self.hidden or tag in HIDDEN or bool(self.skip_lang and lang.startswith(self.skip_lang))
        if not hidden:
            for name in TEXT_ATTRIBUTES & attributes.keys():
                self.parts.append(attributes[name] or "")
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.parts.append(attributes["value"])
        if tag not in VOID:
            self.open.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.open and self.open[-1][0] == tag:
            self.open.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str, skip_lang: str = "") -> str:
    parser = _Text(skip_lang)
    parser.feed(html)
    parser.close()
    return unescape(" ".join(" ".join(parser.parts).split()))


def english_words(html: str, allowed: set[str] = frozenset()) -> set[str]:
    return {word for word in LATIN_WORD.findall(visible_text(html, "en")) if word not in allowed}


def chinese_words(html: str, allowed: set[str] = frozenset()) -> set[str]:
    text = visible_text(html, "zh")
    for phrase in allowed:
        text = text.replace(phrase, " ")
    return set(CJK.findall(text))


def in_context(html: str, words: set[str], skip_lang: str) -> dict[str, str]:
    """Each word with the text around its first occurrence, to find it in the template."""
    text = visible_text(html, skip_lang)
    found = {}
    for word in sorted(words):
        at = text.find(word)
        found[word] = text[max(0, at - 30) : at + len(word) + 30]
    return found
