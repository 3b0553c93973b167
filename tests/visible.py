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
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0  # inside <script>, <style> or <template>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.hidden += 1
        attributes = dict(attrs)
        for name in TEXT_ATTRIBUTES & attributes.keys():
            self.parts.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return unescape(" ".join(" ".join(parser.parts).split()))


def english_words(html: str, allowed: set[str] = frozenset()) -> set[str]:
    return {word for word in LATIN_WORD.findall(visible_text(html)) if word not in allowed}


def chinese_words(html: str, allowed: set[str] = frozenset()) -> set[str]:
    text = visible_text(html)
    for phrase in allowed:
        text = text.replace(phrase, " ")
    return set(CJK.findall(text))
