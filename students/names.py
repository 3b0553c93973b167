"""Search keys for Chinese names: full pinyin and initials, so "zhengzexin" and "zzx" find 郑泽鑫."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# pypinyin reads these characters with their common reading; as surnames they are read differently.
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "仇": "qiu",
    "解": "xie",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "尉": "yu",
    "乐": "yue",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "繁": "po",
    "秘": "bi",
    "长孙": "zhang sun",
}


def pinyin_of(name: str) -> list[str]:
    """Return one lower-case syllable (or Latin word) per part of the name."""
    return list(_pinyin_of(name))


# A name's reading never changes: remembered per process (sorting a medal table asks for the
# pinyin of every row's name; pypinyin takes ~0.2 ms a name).
@lru_cache(maxsize=100_000)
def _pinyin_of(name: str) -> tuple[str, ...]:
    name = name.strip()
    head: list[str] = []
    for surname, reading in SURNAME_READINGS.items():
        if name.startswith(surname):
            head, name = [reading], name[len(surname) :]
            break
    parts = head + lazy_pinyin(name, style=Style.NORMAL)
    return tuple(word.lower() for part in parts for word in part.split() if word.isalnum())


# Remembered per process too: a medal table sorts hundreds of names on every view, and an import
# matches the same names again and again.
@lru_cache(maxsize=100_000)
def pinyin_key(name: str) -> str:
    return "".join(_pinyin_of(name)).replace(" ", "")


def initials_key(name: str) -> str:
    return "".join(part[0] for part in pinyin_of(name) if part)
