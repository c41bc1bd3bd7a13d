"""The web app in a real browser: Debian's headless Chromium driven by Playwright loads the page,
picks the demo scene, asks how many chairs there are and finds the right answer, the objects it
used marked, a 3D view that is drawn and a page that makes no request off this machine.

Skips (saying why) where /usr/bin/chromium or Playwright is missing; CI installs Chromium
(``.ci/run``). ``benchmarks/app.py`` times the same steps with :func:`ask_in_browser`."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from spatialcode.app.handlers import OBJECT_COLUMNS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTION = "How many chair(s) are in this room?"
DEMO_SCENE = Path(__file__).parents[1] / "src" / "spatialcode" / "data" / "demo_scene.json"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def distinct_colours(png: bytes) -> int:
    """How many different RGB colours the PNG picture ``png`` holds."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return len(image.getcolors(maxcolors=1 << 24) or ())


def ask_in_browser(url: str, question: str, screenshot: Path | None = None) -> dict:
    """Open the app at ``url`` in headless Chromium, pick the demo scene, ask ``question``;
    return the answer's text, the status line, the object table's "used" marks, the 3D view's
    and the page's distinct colours, the requests made off this machine and the timings (s):
    ``page_load`` (navigation until the Ask button is there), ``scene`` (picking the scene until
    its code is shown) and ``answer`` (clicking Ask until the answer is there)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    timings: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: outside.append(r.url) if r.url.startswith(("http:", "https:"))
                    and not r.url.startswith(url) else None)
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("#ask", timeout=60_000)
            timings["page_load"] = time.perf_counter() - start
            start = time.perf_counter()
            page.click("#scene input")
            page.get_by_role("option", name="demo: living room").click()
            page.wait_for_selector("#status:has-text('objects')", timeout=60_000)
            timings["scene"] = time.perf_counter() - start
            page.fill("#question textarea", question)
            start = time.perf_counter()
            page.click("#ask")
            page.wait_for_selector("#answer:has-text('Answer')", timeout=60_000)
            timings["answer"] = time.perf_counter() - start
            model_colours = 0
            for _ in range(60):  # the 3D view draws a moment after its file arrives
                model_colours = distinct_colours(page.locator("#model3d canvas").screenshot())
                if model_colours > 20:
                    break
                time.sleep(0.5)
            shot = page.screenshot(full_page=True)
            if screenshot is not None:
                screenshot.write_bytes(shot)
            with contextlib.suppress(PlaywrightTimeout):  # the table is redrawn a moment after the answer
                page.wait_for_selector("#objects td:has-text('✓')", timeout=20_000)
            cells = page.locator(f"#objects [role=gridcell][data-col='{len(OBJECT_COLUMNS) - 1}']")
            marks = {int(cell.get_attribute("data-row")): cell.inner_text().strip() for cell in cells.all()}
            used = [marks[row] for row in sorted(marks)]
            return {"answer": page.inner_text("#answer"), "status": page.inner_text("#status"), "used": used,
                    "model_colours": model_colours, "page_colours": distinct_colours(shot), "shot": shot,
                    "outside": outside, "timings": timings}
        finally:
            browser.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    """The app serving the demo scene on a free port of 127.0.0.1, in this process."""
    if not CHROMIUM.is_file():
        pytest.skip("no browser: /usr/bin/chromium is missing (Debian: apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (the `test` extra)")
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from spatialcode.app.config import ServeConfig
    from spatialcode.app.page import serve_page

    port = free_port()
    page = serve_page(ServeConfig(port=port), tmp_path_factory.mktemp("app"), block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        page.close()


def test_the_app_answers_in_a_browser(app_url, tmp_path):
    labels = [obj["label"] for obj in json.loads(DEMO_SCENE.read_text())["objects"]]
    chairs = labels.count("chair")
    seen = ask_in_browser(app_url, QUESTION, tmp_path / "page.png")
    assert seen["answer"].splitlines()[0] == f"Answer: {chairs}"
    assert seen["status"] == f"answered: {chairs}"
    assert seen["used"] == ["✓" if label == "chair" else "" for label in labels]  # the chairs, marked
    assert seen["outside"] == []  # no fonts, analytics or scripts fetched from elsewhere
    assert seen["model_colours"] > 20  # the 3D view was drawn, not left blank
    from PIL import Image

    width, height = Image.open(tmp_path / "page.png").size
    assert width >= 1000 and height >= 700 and seen["page_colours"] > 100
