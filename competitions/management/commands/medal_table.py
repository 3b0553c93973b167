import csv
import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from competitions.exports import escape_formula
from competitions.models import Competition, Entry, Organization
from competitions.tallies import ORDERS, MedalRow, medal_table

# The interface other tools rely on (DOMAIN.md); the web pages group by skill too.
BY_CHOICES = ["organization", "department", "student", "coach"]


def organization_ids(names: str) -> set[int]:
    """Ids of comma-separated organization names; an unknown name is an error."""
    wanted = [name.strip() for name in names.replace("，", ",").split(",") if name.strip()]
    found = dict(Organization.objects.filter(name__in=wanted).values_list("name", "pk"))
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise CommandError(_("Unknown organizations: %(names)s") % {"names": ", ".join(unknown)})
    return set(found.values())


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


class Command(BaseCommand):
    help = "Print a competition's medal table (text, CSV or JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--competition", required=True, help="the competition's name")
        parser.add_argument("--year", type=int, help="its year, when several editions share the name")
        parser.add_argument("--by", choices=BY_CHOICES, default="organization")
        parser.add_argument("--order", choices=ORDERS, default="tiers")
        parser.add_argument("--events-flag", choices=["selection"], help="only WorldSkills selection events")
        parser.add_argument("--unranked", default="", help="organizations shown without a rank")
        parser.add_argument("--exclude", default="", help="organizations left out of the table")
        parser.add_argument("--format", choices=["text", "csv", "json"], default="text")

    def handle(self, *args, **options):
        try:
            competition = Competition.objects.find(options["competition"], options["year"])
        except (Competition.DoesNotExist, Competition.MultipleObjectsReturned) as error:
            raise CommandError(str(error)) from None
        unranked = set(competition.unranked_organizations.values_list("pk", flat=True))
        unranked |= organization_ids(options["unranked"])
        exclude = set(competition.excluded_organizations.values_list("pk", flat=True))
        exclude |= organization_ids(options["exclude"])
        entries = Entry.objects.for_competition(competition)
        if options["events_flag"] == "selection":
            entries = entries.selection_events()
        rows = medal_table(
            entries, by=options["by"], order=options["order"], unranked=unranked, exclude=exclude
        )
        records = [row.as_dict() for row in rows]
        if options["format"] == "json":
            self.stdout.write(json.dumps(records, ensure_ascii=False, indent=2))
        elif options["format"] == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=list(MedalRow(key=0, name="").as_dict()))
            writer.writeheader()
            # A name such as =HYPERLINK(...) gets a leading ' as in every export; numbers stay numbers.
            writer.writerows(
                {key: escape_formula(value) for key, value in record.items()} for record in records
            )
        else:
            self.write_text(competition, records)

    def write_text(self, competition, records):
        self.stdout.write(str(competition))
        headers = ["rank", "name", "special", "gold", "silver", "bronze", "excellence", "total", "points"]
        titles = [
            _("Rank"),
            _("Name"),
            _("Special"),
            _("Gold"),
            _("Silver"),
            _("Bronze"),
            _("Excellence"),
            _("Total"),
            _("Points"),
        ]
        cells = [
            [("—" if r["rank"] is None else str(r["rank"])) if h == "rank" else str(r[h]) for h in headers]
            for r in records
        ]
        widths = [
            max([display_width(t)] + [display_width(c[i]) for c in cells]) for i, t in enumerate(titles)
        ]
        line = lambda values: "  ".join(  # noqa: E731
            pad(v, widths[i], right=i != 1) for i, v in enumerate(values)
        )
        self.stdout.write(line(titles))
        for row in cells:
            self.stdout.write(line(row))
        if not records:
            self.stdout.write(_("No medals recorded."))
