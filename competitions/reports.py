"""The college's tallies in words and tables: the year × level × tier pivot's layout and the
annual-report summary. Words and layout only: every number comes from competitions.tallies (the
college's entries by rule 9, counted there), so the summary, the tallies page and its drill-down
agree.

The summary is also the competition section of the annual report (report_section): its numbered
heading, the paragraph, the tables with their captions (表 2-1 …) and the charts (图 2-1 …), which
competitions.exports writes as a Word document.

The summary paragraph is written in the style of the college's annual report, in Chinese and in
English. Those two texts are content in a fixed language (they are pasted into a Chinese report
and its English version), so they are composed here rather than translated through gettext.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from competitions import charts, tallies
from competitions.exports import Figure, Heading, Sheet, Table, Text
from competitions.filters import years_with_competitions
from competitions.honours import (  # noqa: F401 (SQUAD_WORDS, SQUADS: reports.* as before)
    SQUAD_WORDS,
    SQUADS,
    HonourCount,
    honours_by_kind,
    is_squad,
    sentence_en,
    sentence_zh,
)
from competitions.models import (
    MEDAL_TIERS,
    Category,
    Competition,
    Entry,
    Level,
    Tier,
)
from students.names import pinyin_key

TIERS = list(Tier)  # best first, "other" last
LEVELS = list(Level)  # widest first
# Levels whose medals the summary lists one by one, with names, events and coaches.
LISTED_LEVELS = [Level.WORLD, Level.NATIONAL, Level.INDUSTRY]


def entry_years(entries: QuerySet[Entry] | None = None) -> list[int]:
    """Years that have entries (all years with competitions when no entries are given), newest
    first, in one query."""
    if entries is None:
        # From the competitions' year index, not the entries.
        return years_with_competitions()
    return list(
        entries.order_by("-event__competition__year")
        .values_list("event__competition__year", flat=True)
        .distinct()
    )


# ---------------------------------------------------------------------------------------------
# The pivot: year × level × tier


@dataclass
class PivotRow:
    """One row of the pivot: a level within a year (level None: the year's total, year None: all)."""

    year: int | None
    level: str | None
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def medals(self) -> int:
        return sum(self.counts.get(tier, 0) for tier in MEDAL_TIERS)

    @property
    def level_label(self):
        return Level(self.level).label if self.level else None

    def cells(self) -> list[tuple[str, int]]:
        return [(tier.value, self.counts.get(tier.value, 0)) for tier in TIERS]


@dataclass
class PivotYear:
    year: int
    levels: list[PivotRow]
    total: PivotRow


def pivot_table(counts: dict[tuple[int, str, str], int]) -> tuple[list[PivotYear], PivotRow]:
    """The pivot's years (newest first), each with its levels (widest first) and total, and the
    grand total."""
    cells: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for (year, level, tier), n in counts.items():
        cells[year][level][tier] += n
    years, grand = [], Counter()
    for year in sorted(cells, reverse=True):
        levels = [
            PivotRow(year, level.value, dict(cells[year][level])) for level in LEVELS if level in cells[year]
        ]
        year_total = Counter()
        for row in levels:
            year_total.update(row.counts)
        grand.update(year_total)
        years.append(PivotYear(year, levels, PivotRow(year, None, dict(year_total))))
    return years, PivotRow(None, None, dict(grand))


# ---------------------------------------------------------------------------------------------
# The annual summary


@dataclass
class Listed:
    """An entry the summary names, with what the paragraph and the tables say about it."""

    entry: Entry
    competition: Competition
    event: str
    award: str
    tier: str
    members: list[str]
    coaches: list[str]

    @property
    def people(self) -> int:
        """How many people this entry stands for: its named members, or one when none is named."""
        return len(self.members) or 1


@dataclass
class AnnualSummary:
    year: int
    category: str | None
    levels: list[PivotRow] = field(default_factory=list)
    total: PivotRow | None = None
    medals: list[Listed] = field(default_factory=list)
    squads: list[Listed] = field(default_factory=list)
    named_awards: list[Listed] = field(default_factory=list)
    departments: list[tallies.MedalRow] = field(default_factory=list)
    # Honours by kind and status (competitions.honours.honours_by_kind): the whole college's, so
    # only in the summary of every category.
    honours: list[HonourCount] = field(default_factory=list)
    confirmed: bool = False  # confirmed results only (competitions.confirming)

    @property
    def squad_people(self) -> int:
        return sum(item.people for item in self.squads)

    @property
    def paragraph_zh(self) -> str:
        return paragraph_zh(self)

    @property
    def paragraph_en(self) -> str:
        return paragraph_en(self)


def listed(entry: Entry) -> Listed:
    return Listed(
        entry=entry,
        competition=entry.event.competition,
        event=entry.event.name,
        award=entry.award.label,
        tier=entry.award.tier,
        members=[member.name for member in entry.members.all()],
        coaches=[coach.name for coach in entry.coaches.all()],
    )


def sort_listed(items: list[Listed]) -> list[Listed]:
    """Widest level first; within a level, the competition with the best medals first (tiers
    compared in order, as in a medal table); within a competition, best award first."""
    medals: dict[int, Counter] = defaultdict(Counter)
    for item in items:
        medals[item.competition.pk][item.tier] += 1

    def key(item: Listed):
        competition = item.competition
        return (
            LEVELS.index(competition.level),
            tuple(-medals[competition.pk][tier] for tier in TIERS),
            pinyin_key(competition.name),
            competition.pk,
            TIERS.index(item.tier),
            pinyin_key(item.event),
            item.entry.pk,
        )

    return sorted(items, key=key)


def annual_summary(year: int, *, category: str | None = None, confirmed: bool = False) -> AnnualSummary:
    """Everything the annual report says about the college's competition results of a year
    (6 queries: counts, listed entries with members and coaches, departments); the numbers come
    from competitions.tallies, so they are the tallies page's. `confirmed`: confirmed results only
    (counted live from the entries; the stored tallies hold every result)."""
    entries = tallies.college_entries(year=year, category=category, confirmed=confirmed)
    years, total = pivot_table(tallies.year_level_counts(entries))
    summary = AnnualSummary(year=year, category=category, total=total, confirmed=confirmed)
    if years:
        summary.levels = years[0].levels
    named = (
        entries.filter(
            Q(event__competition__level__in=LISTED_LEVELS, award__tier__in=MEDAL_TIERS)
            | Q(award__tier=Tier.OTHER)
        )
        .with_people()
        .select_related("event__competition")
    )
    for item in sort_listed([listed(entry) for entry in named]):
        if item.tier != Tier.OTHER:
            summary.medals.append(item)
        elif is_squad(item.entry.award):
            summary.squads.append(item)
        else:
            summary.named_awards.append(item)
    summary.departments = tallies.medal_table(entries, by="department", with_other=True)
    if category is None:
        summary.honours = honours_by_kind(year)
    return summary


# ---------------------------------------------------------------------------------------------
# The paragraph, in Chinese

LEVEL_ZH = {
    Level.WORLD: "国际赛",
    Level.NATIONAL: "国赛",
    Level.INDUSTRY: "全国行业赛",
    Level.PROVINCIAL: "省赛",
    Level.MUNICIPAL: "市赛",
    Level.REGIONAL: "区域赛及邀请赛",
    Level.SCHOOL: "校赛",
}
TIER_ZH = {
    Tier.SPECIAL: "特等奖",
    Tier.GOLD: "一等奖",
    Tier.SILVER: "二等奖",
    Tier.BRONZE: "三等奖",
    Tier.EXCELLENCE: "优胜奖",
    Tier.OTHER: "其他奖项",
}
SUBJECT_ZH = {
    None: "学院师生在各级各类竞赛中",
    Category.SKILLS: "学院学生在职业技能竞赛中",
    Category.TEACHER: "学院教师在教师职业能力竞赛中",
    Category.SPORTS: "学院师生在体育竞赛中",
    Category.ARTS: "学院师生在文化艺术比赛中",
    Category.INNOVATION: "学院师生在创新创业大赛中",
    Category.OTHER: "学院师生在其他竞赛中",
}


def names_zh(names: Sequence[str]) -> str:
    return "、".join(names)


def event_zh(event: str) -> str:
    """ "移动机器人" → "移动机器人项目"; names that already say 项目 keep theirs."""
    return event if "项目" in event else f"{event}项目"


def series_zh(parts: Sequence[str]) -> str:
    """Groups joined the report's way: "A，B，以及 C"."""
    if len(parts) <= 1:
        return "".join(parts)
    return "，".join(parts[:-1]) + "，以及 " + parts[-1]


def counts_zh(counts: dict[str, int], tiers: Iterable[str]) -> str:
    return "、".join(f"{TIER_ZH[tier]} {counts[tier]} 个" for tier in tiers if counts.get(tier))


def medal_groups_zh(summary: AnnualSummary) -> list[str]:
    """ "14 个国赛一等奖、1 个二等奖": the level is said once, before its first tier."""
    groups = []
    for row in summary.levels:
        items = [(tier, row.counts.get(tier, 0)) for tier in MEDAL_TIERS if row.counts.get(tier, 0)]
        if items:
            (tier, n), *rest = items
            words = [f"{n} 个{LEVEL_ZH[row.level]}{TIER_ZH[tier]}"]
            words += [f"{n} 个{TIER_ZH[tier]}" for tier, n in rest]
            groups.append("、".join(words))
    return groups


def by_competition(items: Iterable[Listed]) -> list[tuple[Competition, list[Listed]]]:
    groups: dict[int, tuple[Competition, list[Listed]]] = {}
    for item in items:
        groups.setdefault(item.competition.pk, (item.competition, []))[1].append(item)
    return list(groups.values())


def unnamed_groups(items: Iterable[Listed], name=lambda label, _tier: label) -> dict[str, Counter]:
    """Entries without named members: per event, how many of each award (by default its label as
    written; `name(label, tier)` names it otherwise, e.g. award_en)."""
    groups: dict[str, Counter] = {}
    for item in items:
        if not item.members:
            groups.setdefault(item.event, Counter())[name(item.award, item.tier)] += 1
    return groups


def medal_clauses_zh(items: list[Listed]) -> list[str]:
    clauses = []
    for item in items:
        if item.members:
            clause = f"{names_zh(item.members)}获得{event_zh(item.event)}{item.award}"
            if item.coaches:
                clause += f"（指导教师：{names_zh(item.coaches)}）"
            clauses.append(clause)
    for event, awards in unnamed_groups(items).items():
        counted = "、".join(f"{award} {n} 个" for award, n in awards.items())
        clauses.append(f"学院代表队在{event_zh(event)}获得{counted}")
    return clauses


def squads_zh(summary: AnnualSummary) -> str:
    parts = []
    for competition, items in by_competition(summary.squads):
        names = [name for item in items for name in item.members]
        people = sum(item.people for item in items)
        awards = "、".join(dict.fromkeys(item.award for item in items))
        if not names:
            who = f"还有 {people} 人"
        elif len(names) == people:
            who = names_zh(names)
        else:
            who = f"{names_zh(names)}等 {people} 人"
        parts.append(f"{who}在{competition.name}中{awards}")
    return f"此外，{'；'.join(parts)}。" if parts else ""


def paragraph_zh(summary: AnnualSummary) -> str:
    year, subject = summary.year, SUBJECT_ZH.get(summary.category, SUBJECT_ZH[None])
    if summary.total is None or not summary.total.total:
        return f"{year} 年，{subject}暂无获奖记录。"
    sentences = [f"{year} 年，{subject}取得了丰硕的成果。"]
    groups = medal_groups_zh(summary)
    if groups:
        sentences.append(f"共获得 {series_zh(groups)}。")
    competitions = [
        f"在{competition.name}中，{'，'.join(medal_clauses_zh(items))}"
        for competition, items in by_competition(summary.medals)
    ]
    if competitions:
        sentences.append(f"其中，{'；'.join(competitions)}。")
    sentences.append(squads_zh(summary))
    if summary.named_awards:
        awards = "、".join(f"{item.award}（{item.competition.name}）" for item in summary.named_awards)
        sentences.append(f"学院还获得{awards}。")
    sentences.append(sentence_zh(summary.honours))
    if summary.departments:
        departments = [
            f"{row.name}获奖 {row.awards} 项（{counts_zh(row.counts, [t.value for t in TIERS])}）"
            for row in summary.departments
        ]
        sentences.append(f"分系部看，{'；'.join(departments)}。")
    return "".join(sentences)


# ---------------------------------------------------------------------------------------------
# The paragraph, in English

LEVEL_EN = {
    Level.WORLD: "international",
    Level.NATIONAL: "national",
    Level.INDUSTRY: "national industry",
    Level.PROVINCIAL: "provincial",
    Level.MUNICIPAL: "municipal",
    Level.REGIONAL: "regional and invitational",
    Level.SCHOOL: "school",
}


def award_en(label: str, tier: str) -> str:
    """An award in an English sentence: its tier's name (special prize, gold, silver, bronze,
    excellence, as models.Tier labels them in English), whatever its label; a named award (tier
    "other") keeps its label as written."""
    if tier == Tier.OTHER:
        return label
    with translation.override("en"):
        return str(Tier(tier).label).lower()


TIER_EN = {
    Tier.SPECIAL: ("special prize", "special prizes"),
    Tier.GOLD: ("first prize", "first prizes"),
    Tier.SILVER: ("second prize", "second prizes"),
    Tier.BRONZE: ("third prize", "third prizes"),
    Tier.EXCELLENCE: ("excellence award", "excellence awards"),
    Tier.OTHER: ("other award", "other awards"),
}
# Who achieved what, after "In 2023, ...": the subject and where.
SUBJECT_EN = {
    None: ("the college's students and teachers", "competitions at all levels"),
    Category.SKILLS: ("the college's students", "vocational skills competitions"),
    Category.TEACHER: ("the college's teachers", "teaching ability competitions"),
    Category.SPORTS: ("the college's students and teachers", "sports competitions"),
    Category.ARTS: ("the college's students and teachers", "arts and culture contests"),
    Category.INNOVATION: ("the college's students and teachers", "innovation and entrepreneurship contests"),
    Category.OTHER: ("the college's students and teachers", "other competitions"),
}


def plural_en(n: int, words: tuple[str, str]) -> str:
    return f"{n} {words[0] if n == 1 else words[1]}"


def series_en(parts: Sequence[str], separator: str = ", ") -> str:
    """ "A", "A and B", "A, B and C" (with "; " between long parts: "A; B; and C")."""
    if len(parts) <= 1:
        return "".join(parts)
    if len(parts) == 2 and separator == ", ":
        return f"{parts[0]} and {parts[1]}"
    last = " and " if separator == ", " else f"{separator}and "
    return separator.join(parts[:-1]) + last + parts[-1]


def names_en(names: Sequence[str]) -> str:
    return series_en(list(names))


def counts_en(counts: dict[str, int], tiers: Iterable[str]) -> str:
    return series_en([plural_en(counts[tier], TIER_EN[tier]) for tier in tiers if counts.get(tier)])


def medal_clauses_en(items: list[Listed]) -> list[str]:
    clauses = []
    for item in items:
        if item.members:
            clause = f"{names_en(item.members)} won {award_en(item.award, item.tier)} in {item.event}"
            if item.coaches:
                word = "coach" if len(item.coaches) == 1 else "coaches"
                clause += f" ({word}: {names_en(item.coaches)})"
            clauses.append(clause)
    for event, awards in unnamed_groups(items, award_en).items():
        counted = series_en([f"{n} × {award}" for award, n in awards.items()])
        clauses.append(f"the college's team won {counted} in {event}")
    return clauses


def paragraph_en(summary: AnnualSummary) -> str:
    year, (who, where) = summary.year, SUBJECT_EN.get(summary.category, SUBJECT_EN[None])
    if summary.total is None or not summary.total.total:
        return f"In {year}, no awards were recorded for the college."
    sentences = [f"In {year}, {who} achieved fruitful results in {where}."]
    groups = [
        f"{counts_en(row.counts, MEDAL_TIERS)} at {LEVEL_EN[row.level]} level"
        for row in summary.levels
        if row.medals
    ]
    if groups:
        sentences.append(f"They won {series_en(groups, '; ')}.")
    competitions = [
        f"At {competition.name}, {'; '.join(medal_clauses_en(items))}"
        for competition, items in by_competition(summary.medals)
    ]
    if competitions:
        sentences.append(f"{'. '.join(competitions)}.")
    for competition, items in by_competition(summary.squads):
        names = [name for item in items for name in item.members]
        people = sum(item.people for item in items)
        awards = ", ".join(dict.fromkeys(item.award for item in items))
        if not names:
            who = plural_en(people, ("person was", "people were"))
        elif len(names) == people:
            who = f"{names_en(names)} {'was' if people == 1 else 'were'}"
        else:
            who = f"{people} people, including {names_en(names)}, were"
        sentences.append(f"In addition, {who} selected at {competition.name} ({awards}).")
    if summary.named_awards:
        awards = series_en([f"{item.award} ({item.competition.name})" for item in summary.named_awards])
        sentences.append(f"The college also received {awards}.")
    if summary.honours and (honours := sentence_en(summary.honours)):
        sentences.append(honours)
    if summary.departments:
        departments = [
            f"{row.name}: {plural_en(row.awards, ('award', 'awards'))} "
            f"({counts_en(row.counts, [t.value for t in TIERS])})"
            for row in summary.departments
        ]
        sentences.append(f"By department: {'; '.join(departments)}.")
    return " ".join(sentences)


# ---------------------------------------------------------------------------------------------
# The summary as a workbook


# The paragraphs' column, in characters: about the width of a landscape A4 page, so that each
# paragraph prints as a block of full lines.
PARAGRAPH_WIDTH = 120


def tier_headers() -> list[str]:
    return [str(tier.label) for tier in TIERS]


def summary_sheets(summary: AnnualSummary) -> list[Sheet]:
    """The summary's tables, one sheet each, and its paragraphs."""
    paragraphs = Sheet(
        _("Paragraph"),
        [_("Language"), _("Text")],
        [["中文", summary.paragraph_zh], ["English", summary.paragraph_en]],
        max_width=PARAGRAPH_WIDTH,
    )
    if summary.confirmed:
        paragraphs.rows.append([_("Note"), _("Confirmed results only.")])
    return [*(table.sheet for table in summary_tables(summary)), paragraphs]


def summary_tables(summary: AnnualSummary) -> list[Table]:
    """The summary's tables, each with its caption in the report (unnumbered), in the order of the
    workbook's sheets and of the report's tables: by level and tier (its last row the total), the
    listed medals, squads and named awards, by department. The workbook and the Word document
    (report_section) both show these."""
    levels = Sheet(
        _("By level and tier"),
        [_("Level"), *tier_headers(), _("Total")],
        [[str(row.level_label), *(n for _tier, n in row.cells()), row.total] for row in summary.levels],
    )
    if summary.total is not None and summary.levels:
        levels.rows.append([_("Total"), *(n for _tier, n in summary.total.cells()), summary.total.total])

    def listing(title: str, items: list[Listed]) -> Sheet:
        return Sheet(
            title,
            [_("Competition"), _("Level"), _("Event"), _("Award"), _("Tier"), _("Members"), _("Coaches")],
            [
                [
                    item.competition.name,
                    str(Level(item.competition.level).label),
                    item.event,
                    item.award,
                    str(Tier(item.tier).label),
                    "、".join(item.members),
                    "、".join(item.coaches),
                ]
                for item in items
            ],
        )

    departments = Sheet(
        _("By department"),
        [_("Department"), *tier_headers(), _("Total")],
        [[row.name, *(n for _tier, n in row.cells()), row.awards] for row in summary.departments],
    )
    honours = Sheet(
        _("Honours and titles"),
        [_("Kind"), _("Status"), _("Named"), _("Unnamed"), _("Total")],
        [[row.kind_label, row.status_label, row.named, row.unnamed, row.total] for row in summary.honours],
    )
    # A document shows a listing as the page does: competition, event, award, members, coaches
    # (a portrait page has no room for the level and the tier, which the award and the
    # competition's name say).
    listed_columns = (0, 2, 3, 5, 6)
    return [
        Table(pgettext("report table", "Awards by level and tier"), levels, total_row=bool(summary.levels)),
        Table(
            pgettext("report table", "Medals at national and world level"),
            listing(_("National and world medals"), summary.medals),
            columns=listed_columns,
        ),
        Table(
            pgettext("report table", "Selections for the national training squad"),
            listing(_("Squad selections"), summary.squads),
            columns=listed_columns,
        ),
        Table(
            pgettext("report table", "Other named awards"),
            listing(_("Other named awards"), summary.named_awards),
            columns=listed_columns,
        ),
        Table(pgettext("report table", "Awards by department"), departments),
        Table(pgettext("report table", "Honours that follow from results"), honours),
    ]


# ---------------------------------------------------------------------------------------------
# The summary's charts (the page's, and the report's figures)


@dataclass
class SummaryChart:
    title: str  # the chart's own title (its SVG's <title>, the page's figure caption)
    caption: str  # its caption in the report, unnumbered
    bars: list[charts.Bar]

    def svg(self) -> SafeString:
        return charts.stacked_bars(self.bars, title=self.title, tiers=charts.ALL_TIERS)

    @property
    def empty(self) -> bool:
        return not any(bar.total(charts.ALL_TIERS) for bar in self.bars)


def summary_charts(summary: AnnualSummary) -> list[SummaryChart]:
    """Awards by department (the summary's table) and by skill (two queries: the skills' tally),
    every tier stacked, "other" included, as the tables count them; most awards first."""
    skills = tallies.medal_table(
        tallies.college_entries(year=summary.year, category=summary.category, confirmed=summary.confirmed),
        by="skill",
        order="total",
        with_other=True,
    )
    departments = sorted(summary.departments, key=lambda row: -row.awards)
    return [
        SummaryChart(
            _("Awards by department"),
            pgettext("report figure", "Awards by department"),
            [charts.Bar(row.name, row.counts) for row in departments],
        ),
        SummaryChart(
            _("Awards by skill"),
            pgettext("report figure", "Awards by skill"),
            [charts.Bar(row.name, row.counts) for row in skills],
        ),
    ]


# ---------------------------------------------------------------------------------------------
# The summary as the report's section (a Word document: competitions.exports.document_bytes)

# The report's numbering: competition results are in chapter 2 (学生发展), section 2.2 (在校成就),
# one subsection per kind of competition, as in the 2023 report ("2.2.1 技能类竞赛获奖情况").
# Tables and figures are numbered within the chapter: 表 2-1, 图 2-1.
REPORT_CHAPTER = 2
HEADING_ZH = {
    None: "2.2 竞赛获奖情况",
    Category.SKILLS: "2.2.1 技能类竞赛获奖情况",
    Category.SPORTS: "2.2.2 文体类获奖情况",
    Category.ARTS: "2.2.2 文体类获奖情况",
    Category.INNOVATION: "2.2.3 综合类获奖情况",
    Category.TEACHER: "2.2 教师职业能力竞赛获奖情况",
    Category.OTHER: "2.2 其他竞赛获奖情况",
}
HEADING_EN = {
    None: "2.2 Competition Awards",
    Category.SKILLS: "2.2.1 Vocational Skills Competition Awards",
    Category.SPORTS: "2.2.2 Sports and Arts Awards",
    Category.ARTS: "2.2.2 Sports and Arts Awards",
    Category.INNOVATION: "2.2.3 Innovation and Entrepreneurship Awards",
    Category.TEACHER: "2.2 Teaching Ability Competition Awards",
    Category.OTHER: "2.2 Other Competition Awards",
}
REPORT_LANGUAGES = ("zh-hans", "en")


def report_language(language: str | None) -> str:
    """One of REPORT_LANGUAGES: Chinese for any Chinese language code, English otherwise."""
    return "zh-hans" if (language or "").lower().startswith("zh") else "en"


def caption_zh(kind: str, number: int, year: int, caption: str) -> str:
    return f"{kind} {REPORT_CHAPTER}-{number} {year} 年{caption}"


def caption_en(kind: str, number: int, year: int, caption: str) -> str:
    return f"{kind} {REPORT_CHAPTER}-{number} {caption}, {year}"


def report_section(summary: AnnualSummary, *, language: str, font_family: str | None = None) -> list:
    """The summary as the competition section of the annual report, in `language` ("zh-hans" or
    "en"): the numbered heading, the paragraph (paragraph_zh or paragraph_en), the tables that
    have rows (summary_tables) with their captions ("表 2-1 2023 年…") and the charts that show
    something (summary_charts, drawn with `font_family`) with theirs ("图 2-1 …"). A list of
    competitions.exports blocks (Heading, Text, Table, Figure), for exports.document_bytes.
    Two queries: the skills' tally of the charts (the summary's own are done)."""
    chinese = report_language(language) == "zh-hans"
    caption = caption_zh if chinese else caption_en
    with translation.override(report_language(language)):
        headings = HEADING_ZH if chinese else HEADING_EN
        heading = headings.get(summary.category) or headings[None]
        number = heading.split(" ", 1)[0]
        blocks: list = [
            Heading(heading, level=number.count(".") + 1),
            Text(summary.paragraph_zh if chinese else summary.paragraph_en),
        ]
        tables = [table for table in summary_tables(summary) if table.sheet.rows]
        for n, table in enumerate(tables, start=1):
            text = caption("表" if chinese else "Table", n, summary.year, table.caption)
            blocks.append(Table(text, table.sheet, total_row=table.total_row, columns=table.columns))
        figures = [chart for chart in summary_charts(summary) if not chart.empty]
        for n, chart in enumerate(figures, start=1):
            text = caption("图" if chinese else "Figure", n, summary.year, chart.caption)
            blocks.append(Figure(text, charts.standalone(str(chart.svg()), font_family=font_family)))
    return blocks


def report_comments(summary: AnnualSummary, *, language: str) -> str:
    """What the document's properties say about what it counts."""
    with translation.override(report_language(language)):
        return str(_("Confirmed results only.")) if summary.confirmed else ""


def report_filename(summary: AnnualSummary, *, language: str) -> str:
    """ "2023年竞赛获奖情况-职业技能-仅已确认成绩.docx", "competition-awards-2023-skills-confirmed.docx"."""
    if report_language(language) == "zh-hans":
        parts = [f"{summary.year}年竞赛获奖情况"]
        if summary.category:
            with translation.override("zh-hans"):
                parts.append(str(Category(summary.category).label))
        if summary.confirmed:
            parts.append("仅已确认成绩")
        return "-".join(parts) + ".docx"
    parts = [
        "competition-awards",
        str(summary.year),
        summary.category or "",
        "confirmed" if summary.confirmed else "",
    ]
    return "-".join(part for part in parts if part) + ".docx"
