"""axe-core in the browser tests: WCAG 2.1 A/AA and best practice, critical and serious findings.

axe-core comes from npm at the version pinned in scripts/test.sh, installed under var/axe/ when
missing (`npm install --prefix var/axe axe-core@VERSION`). It is run with page.evaluate, which the
page's Content-Security-Policy (script-src 'self', no inline scripts) does not govern, so the
pages are checked under their real policy and a test's CSP-violation check stays meaningful.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
IMPACTS = ("critical", "serious")


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing at {AXE}: run bash scripts/test.sh, or npm install --prefix var/axe"
        )
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page, where: str, ignore: frozenset[str] = frozenset()) -> list[str]:
    """Every critical or serious violation on the page as it is now, one line each:
    rule id, impact, where (a page's name), the element's selector and what is wrong."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        """async (tags) => {
            const outcome = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return outcome.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({impact: n.impact, target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        TAGS,
    )
    found = []
    for violation in result:
        if violation["id"] in ignore:
            continue
        for node in violation["nodes"]:
            if (node["impact"] or violation["impact"]) in IMPACTS:
                summary = " ".join((node["summary"] or "").split())[:200]
                found.append(
                    f"{violation['id']} ({node['impact'] or violation['impact']}) on {where}: "
                    f"{node['target']} — {violation['help']}. {summary}"
                )
    return found
