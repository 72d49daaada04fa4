from __future__ import annotations

from xml.etree import ElementTree

from conveyor.forge.badges import render


def test_a_badge_is_valid_svg_whatever_the_label_holds() -> None:
    svg = render('<script>"x" & y</script>', "passing", "#4c1")
    root = ElementTree.fromstring(svg)
    assert root.findtext("{http://www.w3.org/2000/svg}title") == '<script>"x" & y</script>: passing'
    assert "<script>" not in svg and root.get("aria-label") == '<script>"x" & y</script>: passing'


def test_a_longer_label_makes_a_wider_badge() -> None:
    narrow = ElementTree.fromstring(render("ci", "passing", "#4c1"))
    wide = ElementTree.fromstring(render("integration-tests", "passing", "#4c1"))
    assert int(wide.get("width", 0)) > int(narrow.get("width", 0)) > 0
