"""The Simplified Chinese catalogue: complete, consistent with the code's placeholders, and in use.

The catalogue is compiled by scripts/setup.sh (`manage.py compilemessages`); the runtime tests below
read the compiled .mo, so they fail if it is missing or stale.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from competitions.models import Category, Level, Tier

PO_FILE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"

# %(name)s, %(count)d, bare %s / %d, {name} and HTML tags must survive translation unchanged.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|</?\w+[^>]*>")


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: {"flags": set, "msgid": str, "msgid_plural": str, "msgstr": [str]}.

    A small reader for the format makemessages writes: entries separated by blank lines, each field
    a keyword followed by one or more quoted strings. Obsolete entries (#~) are skipped.
    """
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        lines = [line for line in block.splitlines() if line.strip()]
        entry = {"flags": set(), "msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}}
        field = None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):  # comments, references, obsolete (#~) entries
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if isinstance(field, int):
                    entry["msgstr"][field] += value
                else:
                    entry[field] += value
            else:
                keyword, _, quoted = line.partition(" ")
                value = ast.literal_eval(quoted)
                if keyword in ("msgid", "msgid_plural", "msgctxt"):
                    field = keyword
                    entry[field] = value
                elif keyword == "msgstr":
                    field = 0
                    entry["msgstr"][0] = value
                elif match := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
                    field = int(match[1])
                    entry["msgstr"][field] = value
                else:
                    raise AssertionError(f"unexpected line in {path.name}: {line!r}")
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


@pytest.fixture(autouse=True)
def english():
    """Replaces tests/conftest.py's `english`: this module tests the real language settings."""
    yield


@pytest.fixture(scope="module")
def po_entries():
    assert PO_FILE.exists(), f"{PO_FILE} is missing: run makemessages -l zh_Hans"
    return read_po(PO_FILE)


def messages(po_entries):
    return [entry for entry in po_entries if entry["msgid"] != ""]


# The catalogue file


def test_the_catalogue_has_entries(po_entries):
    assert len(messages(po_entries)) > 100


def test_no_entry_is_fuzzy(po_entries):
    fuzzy = [entry["msgid"] or "(header)" for entry in po_entries if "fuzzy" in entry["flags"]]
    assert fuzzy == []


def test_no_translation_is_empty(po_entries):
    empty = [entry["msgid"] for entry in messages(po_entries) if not all(entry["msgstr"].values())]
    assert empty == []


def test_the_header_declares_chinese_plural_forms(po_entries):
    header = next(entry for entry in po_entries if entry["msgid"] == "")["msgstr"][0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert "charset=UTF-8" in header


def test_plural_entries_have_the_single_chinese_form(po_entries):
    plurals = [entry for entry in messages(po_entries) if entry["msgid_plural"]]
    assert plurals
    assert all(list(entry["msgstr"]) == [0] for entry in plurals)


def test_translations_keep_every_placeholder(po_entries):
    wrong = []
    for entry in messages(po_entries):
        expected = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for translated in entry["msgstr"].values():
            if sorted(PLACEHOLDER.findall(translated)) != expected:
                wrong.append((entry["msgid"], translated))
    assert wrong == []


# Chinese text between CJK characters (ideographs and the CJK punctuation: （）、。“”…) ...
CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’…—]"
# ... takes Chinese punctuation, never ASCII ":", ";", ",", "(" or ")" ("新赛事: 1" is wrong).
ASCII_PUNCTUATION_BY_CJK = re.compile(rf"(?<={CJK})\s*[:;,()]|[:;,()]\s*(?={CJK})")


def test_chinese_sentences_use_chinese_punctuation(po_entries):
    wrong = []
    for entry in messages(po_entries):
        for translated in entry["msgstr"].values():
            if ASCII_PUNCTUATION_BY_CJK.search(PLACEHOLDER.sub("\0", translated)):
                wrong.append((entry["msgid"], translated))
    assert wrong == []


def test_the_punctuation_check_finds_ascii_punctuation_in_chinese():
    check = ASCII_PUNCTUATION_BY_CJK.search
    assert check("新赛事: 1; 新赛项: 2") and check("学生(本校)") and check("金牌, 银牌")
    assert not check("新赛事：1；新赛项：2") and not check("学号 20230001") and not check("UTF-8, CSV")


# The compiled catalogue


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Competitions", "赛事"),
        ("Students", "学生"),
        ("Coaches", "指导教师"),
        ("Log in", "登录"),
        ("Log out", "退出登录"),
        ("Medal table", "奖牌榜"),
        ("Event", "赛项"),
        ("Organization", "单位"),
    ],
)
def test_known_strings_translate_to_chinese(english, chinese):
    with translation.override("zh-hans"):
        assert gettext(english) == chinese


def test_tier_level_and_category_labels_translate():
    tiers = ["特等奖", "金牌", "银牌", "铜牌", "优胜奖", "其他"]
    levels = ["世界/国际", "国家级", "全国行业", "省级", "市级", "区域/邀请赛", "校级"]
    categories = ["职业技能", "教师能力", "体育", "文化艺术", "创新创业", "其他"]
    with translation.override("zh-hans"):
        assert [str(tier.label) for tier in Tier] == tiers
        assert [str(level.label) for level in Level] == levels
        assert [str(category.label) for category in Category] == categories


def test_translated_messages_format_with_their_placeholders():
    with translation.override("zh-hans"):
        added = gettext("Added %(entries)d entries (%(present)d already present).")
        assert added % {"entries": 3, "present": 1} == "已新增 3 条参赛记录（已有 1 条）。"
        uploaded = ngettext("%(count)d photo uploaded.", "%(count)d photos uploaded.", 2)
        assert uploaded % {"count": 2} == "已上传 2 张照片。"


def test_lists_and_labels_are_punctuated_in_the_pages_language():
    from competitions import punctuation

    with translation.override("zh-hans"):
        assert punctuation.items(["金牌", "银牌"]) == "金牌、银牌"
        assert punctuation.labelled("新赛事", 1) == "新赛事：1"
        assert punctuation.clauses(["新赛事：1", "新赛项：2"]) == "新赛事：1；新赛项：2"
    with translation.override("en"):
        assert punctuation.items(["Gold", "Silver"]) == "Gold, Silver"
        assert punctuation.clauses([punctuation.labelled("New events", 2), "x"]) == "New events: 2; x"


def test_deleted_is_a_kind_of_change_and_the_deleted_columns_heading_has_its_own_words():
    with translation.override("zh-hans"):
        assert gettext("Deleted") == "已删除"  # django-simple-history's name of a deletion record
        assert pgettext("column: when and by whom an entry was deleted", "Deleted") == "删除时间/操作人"


def test_english_stays_english():
    with translation.override("en"):
        assert gettext("Competitions") == "Competitions"
        assert str(Tier.GOLD.label) == "Gold"


# Pages


def test_the_default_language_is_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]


@pytest.mark.django_db
def test_pages_are_in_chinese_by_default(user_client):
    with translation.override("en"):  # the request, not the thread's language, decides
        content = user_client.get(reverse("competitions:competition-list")).content.decode()
    assert '<html lang="zh-hans">' in content
    for text in ("赛事", "学生", "指导教师", "退出登录"):
        assert text in content
    assert "Log out" not in content


@pytest.mark.django_db
def test_the_language_cookie_switches_pages_to_english(user_client):
    user_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # override() restores this thread's language, which LocaleMiddleware leaves as the request's.
    with translation.override(settings.LANGUAGE_CODE):
        content = user_client.get(reverse("competitions:competition-list")).content.decode()
    assert '<html lang="en">' in content
    for text in ("Competitions", "Students", "Coaches", "Log out"):
        assert text in content
    assert "退出登录" not in content


@pytest.mark.django_db
def test_an_english_browser_gets_english_pages(user_client):
    with translation.override(settings.LANGUAGE_CODE):
        content = user_client.get(
            reverse("competitions:competition-list"), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "Log out" in content
    assert "退出登录" not in content


@pytest.mark.django_db
def test_the_language_cookie_wins_over_the_browser(user_client):
    user_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with translation.override(settings.LANGUAGE_CODE):
        content = user_client.get(
            reverse("competitions:competition-list"), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "退出登录" in content


def test_a_list_filters_empty_choice_is_translated():
    import django_filters

    from students.models import Department

    class Filters(django_filters.FilterSet):
        kind = django_filters.ChoiceFilter(choices=[("a", "A")])  # no empty_label of its own

        class Meta:
            model = Department
            fields = []

    with translation.override("zh-hans"):
        choices = list(Filters(queryset=Department.objects.none()).form["kind"].field.choices)
    assert choices[0] == ("", "全部")


def test_an_imports_new_people_and_counts_are_punctuated_in_chinese():
    from types import SimpleNamespace

    from competitions import tasks

    student = SimpleNamespace(name="蒋家俊", student_number="S001")
    coach = SimpleNamespace(name="王老师", organization=SimpleNamespace(name="外省技师学院"))
    plan = SimpleNamespace(
        new_competitions=[],
        new_events=[],
        new_organizations=["外省技师学院"],
        new_skills=[],
        new_students=[student],
        new_coaches=[coach],
        summary=lambda: {"entries": 2, "already_present": 0},
    )
    with translation.override("zh-hans"):
        lists = {item["label"]: item["names"] for item in tasks.new_object_lists(plan)}
        message = tasks.success_message(plan)
    assert "蒋家俊（S001）" in lists["新学生"] and "王老师（外省技师学院）" in lists["新指导教师及教师"]
    assert message.endswith("新单位：1；新学生：1；新指导教师及教师：1")
