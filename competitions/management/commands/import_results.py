from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from competitions import confirming
from competitions.importing import ImportBusy, SheetError, import_file


class Command(BaseCommand):
    help = (
        "Import a result sheet (CSV in UTF-8, UTF-8 with BOM, UTF-16 or GB18030, or XLSX), one row per entry. "
        "Every row is checked first; if any row is bad, nothing is imported. Imports into the same "
        "competition run one at a time: each finds the rows the others added already present."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV or XLSX file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the sheet and report what would be created"
        )
        parser.add_argument(
            "--confirmed-by",
            metavar="USERNAME",
            help=(
                "record the imported results as confirmed by this user; without it they wait for an "
                "office user's confirmation"
            ),
        )

    def handle(self, *args, path, dry_run, confirmed_by=None, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            confirmer = confirming.confirmer(confirmed_by)
        except confirming.UnknownUser as error:
            raise CommandError(str(error)) from None
        try:
            plan = import_file(file, file.name, dry_run=dry_run, confirmed_by=confirmer)
        except (SheetError, ImportBusy) as error:
            raise CommandError(str(error)) from None
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(str(error))
            bad_rows = len({error.row for error in plan.errors})
            raise CommandError(
                ngettext(
                    "%(count)d bad row; nothing was imported.",
                    "%(count)d bad rows; nothing was imported.",
                    bad_rows,
                )
                % {"count": bad_rows}
            )
        summary = plan.summary()
        for warning in plan.cell_warnings:
            self.stdout.write(self.style.WARNING(_("Warning: %(warning)s") % {"warning": warning}))
        if not summary["entries"]:
            self.stdout.write(
                ngettext(
                    "Nothing new to import: the %(count)d row is already recorded.",
                    "Nothing new to import: all %(count)d rows are already recorded.",
                    summary["already_present"],
                )
                % {"count": summary["already_present"]}
            )
        elif dry_run:
            lead = _("Dry run, nothing saved. Would add %(entries)d entries (%(present)d already present).")
        else:
            lead = _("Added %(entries)d entries (%(present)d already present).")
        if summary["entries"]:
            self.stdout.write(lead % {"entries": summary["entries"], "present": summary["already_present"]})
        line = (
            _("  %(what)s that would be created: %(count)d (%(names)s)")
            if dry_run
            else _("  %(what)s created: %(count)d (%(names)s)")
        )
        labels = {
            "competitions": (_("competitions"), plan.new_competitions),
            "events": (_("events"), plan.new_events),
            "organizations": (_("organizations"), plan.new_organizations),
            "skills": (_("skills"), plan.new_skills),
            "students": (_("students"), plan.new_students),
            "coaches": (_("coaches"), plan.new_coaches),
        }
        for label, objects in labels.values():
            if objects:
                names = "、".join(str(obj) for obj in objects[:20])
                more = "" if len(objects) <= 20 else " …"
                self.stdout.write(line % {"what": label, "count": len(objects), "names": names + more})
        # New people who may be recorded already (DOMAIN.md rule 10): created all the same, as the
        # command has no one to ask; the office reviews them (and merges records if need be).
        for new in plan.warnings:
            matches = "; ".join(f"{match.label} ({match.reason_label})" for match in new.near)
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "Warning: row %(rows)s: new %(kind)s %(name)s may be someone already recorded: %(matches)s"
                    )
                    % {
                        "rows": ", ".join(map(str, new.rows)),
                        "kind": new.kind,
                        "name": new.label,
                        "matches": matches,
                    }
                )
            )
        for note in plan.notes:
            self.stdout.write(_("Note: row %(row)s: %(note)s") % {"row": note.row, "note": note.message})
