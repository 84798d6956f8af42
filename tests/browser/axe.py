"""axe-core in the browser tests: every page checked against WCAG 2.0/2.1 A and AA and axe's best
practices, with zero violations allowed.

axe-core comes from the npm registry, pinned in tests/browser/package.json and installed by `.ci/run`
(`npm ci --prefix tests/browser`) into tests/browser/node_modules/ (ignored by git). The site's
Content-Security-Policy refuses inline scripts, so the library is evaluated through the DevTools
protocol (`page.evaluate`), which the policy does not govern.
"""
from pathlib import Path
from typing import Dict, List

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def violations(page) -> List[Dict]:
    """The violations axe finds on the page as it is now, each with its rule, impact and elements."""
    assert AXE.exists(), f"{AXE} manque : npm ci --prefix tests/browser (ce que fait .ci/run)"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found = page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
    }""", TAGS)
    return found


def check(page, where: str) -> None:
    """Fail with the list of violations (rule, help, elements) when axe finds any."""
    found = violations(page)
    assert found == [], f"axe-core, {where} : " + "; ".join(
        f"{v['id']} ({v['impact']}) {v['help']} → {', '.join(v['nodes'])}" for v in found)
