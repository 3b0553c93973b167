"""Chinese data inside English pages is marked `lang="zh-Hans"` (WCAG 3.1.2, language of parts).

Names, organizations, competitions and events are data, written in Chinese whatever the interface
language. On an English page a screen reader would read them with an English voice (or spell them
out) unless they say they are Chinese; on a Chinese page they already are, and stay unmarked.

    {% load lang_marks %}
    <h1>{{ student.name|zh }}</h1>            → <h1><span lang="zh-Hans">郑泽鑫</span></h1> in English
    <li{{ member.name|zh_lang }}>…</li>      → <li lang="zh-Hans">…</li> in English (an element's own mark)

Table columns (django-tables2) mark their cells with `attrs={"td": {"lang": chinese_lang}}`.
Data of the other language the other way round — an award label written in English ("Gold") on
a Chinese page — is marked by `{{ value|data }}`, which gives `lang="zh-Hans"` to Chinese text on
an English page and `lang="en"` to Latin text without Chinese on a Chinese page.
This module is the one owner of the rule; templates and tables ask it.
"""

import html
import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

CHINESE = "zh-Hans"
# CJK ideographs (unified, extension A, compatibility, the supplementary planes) and CJK punctuation.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]")


def chinese_lang(value=None) -> str | None:
    """ "zh-Hans" for a text with Chinese characters on a page that is not in Chinese, else None
    (django-tables2 leaves an attribute whose value is None out)."""
    if value is None or (get_language() or "").startswith("zh"):
        return None
    return CHINESE if CJK.search(str(value)) else None


class Marks:
    """chinese_lang, zh_lang and zh for the cells of one table: the page's language is read once,
    not once per cell (reading it costs a few µs, as much as writing the cell)."""

    __slots__ = ("marking",)

    def __init__(self):
        self.marking = not (get_language() or "").startswith("zh")

    def lang(self, value) -> str | None:
        return CHINESE if self.marking and value is not None and CJK.search(str(value)) else None

    def attr(self, value) -> str:
        """zh_lang(value), as text."""
        return ZH_ATTR if self.lang(value) else ""

    def zh(self, value) -> str:
        """zh(value), as text (escaped)."""
        if value is None:
            return ""
        text = value.__html__() if hasattr(value, "__html__") else html.escape(str(value))
        return f'<span lang="{CHINESE}">{text}</span>' if self.lang(value) else text


ZH_ATTR = f' lang="{CHINESE}"'


@register.filter(is_safe=True)
def zh(value) -> SafeString:
    """The text, escaped, inside <span lang="zh-Hans"> when chinese_lang says so."""
    if value is None:
        return conditional_escape("")
    if chinese_lang(value):
        return format_html('<span lang="{}">{}</span>', CHINESE, value)
    return conditional_escape(value)


@register.filter(is_safe=True)
def zh_lang(value) -> SafeString:
    """The attribute ` lang="zh-Hans"` for an element holding the text, when chinese_lang says so."""
    return format_html(' lang="{}"', CHINESE) if chinese_lang(value) else SafeString("")


LATIN = re.compile(r"[A-Za-z]")


@register.filter(is_safe=True)
def data(value) -> SafeString:
    """Data text, escaped, marked with its language where it differs from the page's: Chinese on an
    English page (as `zh`), or Latin letters without Chinese on a Chinese page (`lang="en"`)."""
    if value is None:
        return conditional_escape("")
    if chinese_lang(value):
        return format_html('<span lang="{}">{}</span>', CHINESE, value)
    text = str(value)
    if (get_language() or "").startswith("zh") and LATIN.search(text) and not CJK.search(text):
        return format_html('<span lang="en">{}</span>', value)
    return conditional_escape(value)
