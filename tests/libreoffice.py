"""LibreOffice for the tests of spreadsheets as the office's programs write them (issue 11 §10).

Debian's libreoffice-calc-nogui (installed by scripts/test.sh when missing) converts files the way
the office's spreadsheet program writes them: a CSV typed as the office types it becomes an XLSX
with numbers, dates and times as Calc stores them; an XLSX becomes .ods, .xls or a PDF. Tests that
need it are marked `libreoffice` and skip, saying why, where it is not installed.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# The Python with LibreOffice's `uno` module (Debian's python3-uno, a dependency of the package).
UNO_PYTHON = "/usr/bin/python3"
TYPING_SCRIPT = Path(__file__).with_name("libreoffice_typing.py")


def uno_available() -> bool:
    if SOFFICE is None or not Path(UNO_PYTHON).exists():
        return False
    return subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


needs_libreoffice = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui; scripts/test.sh "
        "installs it when run as root)",
    ),
]

# CSV import options of Calc (the "Text CSV" filter's tokens): separator, text delimiter, character
# set, first line, column formats, language, quoted fields as text, detect special numbers.
UTF8 = 76
SIMPLIFIED_CHINESE = 2052
TEXT_COLUMN = 2  # column format "Text"; 1 is "Standard" (numbers, dates and times recognised)


def csv_filter(*, text_columns=(), language=SIMPLIFIED_CHINESE) -> str:
    """Calc's CSV import as the office's typing: comma-separated UTF-8, the first line read, dates,
    times and numbers recognised (as when typed into a cell), except in the `text_columns`
    (1-based), which are read as text (a column formatted as text before typing)."""
    formats = "/".join(f"{column}/{TEXT_COLUMN}" for column in text_columns)
    return f"CSV:44,34,{UTF8},1,{formats},{language},false,true"


class Converter:
    """Runs `soffice --convert-to` with a profile of its own (parallel test processes must not
    share one: a second instance would hand its work to the first and return at once)."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile

    def __call__(self, source: Path, to: str, *, infilter: str = "", outdir: Path | None = None) -> Path:
        outdir = outdir or source.parent / "converted"
        outdir.mkdir(exist_ok=True)
        command = [
            SOFFICE,
            f"-env:UserInstallation={self.profile.as_uri()}",
            "--headless",
            "--norestore",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            str(source),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
        extension = to.split(":")[0]
        result = outdir / f"{source.stem}.{extension}"
        if done.returncode or not result.exists():
            raise RuntimeError(f"soffice failed ({done.returncode}): {done.stdout} {done.stderr}")
        return result

    def type_into(self, source: Path, target: Path, cells: dict[str, str]) -> Path:
        """The workbook `source` with `cells` ({"H2": "0210001"}) typed into its first sheet in Calc,
        saved as .xlsx at `target` (tests/libreoffice_typing.py)."""
        done = subprocess.run(
            [UNO_PYTHON, str(TYPING_SCRIPT), str(self.profile), str(source), str(target), json.dumps(cells)],
            capture_output=True,
            text=True,
            timeout=180,
            env={"SOFFICE": SOFFICE, "PATH": "/usr/bin:/bin", "HOME": str(self.profile)},
        )
        if done.returncode or not target.exists():
            raise RuntimeError(
                f"typing in LibreOffice failed ({done.returncode}): {done.stdout} {done.stderr}"
            )
        return target


def pdf_pages(path: Path) -> int:
    """The number of pages of a PDF (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", path.read_bytes()))
