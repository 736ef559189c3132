"""Checks of any page: it fits every screen without scrolling sideways, and axe-core finds nothing serious."""

from axe_playwright_python.sync_playwright import Axe

WIDTHS = (320, 390, 1280)
# The innermost elements that reach past the right edge: what to fix when a page scrolls sideways.
WIDEST = """(width) => Array.from(document.querySelectorAll("body *"))
  .filter(el => el.getBoundingClientRect().right > width + 1 && !Array.from(el.children).some(
    child => child.getBoundingClientRect().right > width + 1))
  .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : "") + " "
    + Math.round(el.getBoundingClientRect().right) + "px")"""
SERIOUS = ("serious", "critical")
AXE = Axe()


def check_page(pg, what):
    """At every width: nothing scrolls sideways, and axe-core finds nothing serious or critical."""
    problems = []
    for width in WIDTHS:
        pg.set_viewport_size({"width": width, "height": 800})
        scroll = pg.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            widest = pg.evaluate(WIDEST, width)
            problems.append(f"{what} at {width}px: {scroll}px wide, past the edge: {widest}")
        for violation in AXE.run(pg).response["violations"]:
            if violation["impact"] in SERIOUS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{what} at {width}px: {violation['id']} ({violation['impact']}) {targets}")
    return problems
