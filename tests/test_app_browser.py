"""The app in a real browser: `streamlit run app.py` driven by Playwright in Debian's Chromium.

Uploads a sample law, waits for the results (not merely the first text: Streamlit may still be
running the script), opens a finding and saves full-page screenshots in `tests/output/`. Skipped
when `/usr/bin/chromium` (apt package `chromium`) or the playwright package is missing; Playwright's
own browser download is never used.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from locations import ROOT

CHROMIUM = Path("/usr/bin/chromium")
SAMPLE = ROOT / "corpora" / "samples" / "en-commonwealth-firearms-act" / "source.pdf"
OUTPUT = Path(__file__).parent / "output"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt: chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "CHECKER_DB": str(tmp_path / "decisions.sqlite3"),
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                         if p)}
    log = (tmp_path / "streamlit.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("streamlit did not start:\n"
                            + (tmp_path / "streamlit.log").read_text(errors="replace"))
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_review_a_sample_in_chromium(server: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        try:
            page.goto(server, wait_until="domcontentloaded")
            page.get_by_text("Firearms law gap review").wait_for(timeout=60_000)
            page.locator("input[type=file]").set_input_files(str(SAMPLE))
            page.locator(".st-key-country_input input").fill("Ardenmoor")
            page.locator(".st-key-title_input input").fill("Firearms Act 2024")
            page.get_by_role("button", name="Review the dossier").click()
            results = page.locator(".st-key-results")
            results.wait_for(timeout=120_000)
            results.get_by_text("Coverage by category").wait_for(timeout=30_000)
            page.locator("[data-testid='stMetric']").first.wait_for()
            page.locator("[data-testid='stVegaLiteChart'] canvas, "
                         "[data-testid='stVegaLiteChart'] svg").first.wait_for(timeout=30_000)
            page.wait_for_timeout(1500)  # let the chart and table finish drawing
            assert page.locator("[data-testid='stException']").count() == 0
            # The app scrolls inside its main pane: grow the window to the whole page first.
            height = page.evaluate("document.querySelector(\"[data-testid='stMain']\")"
                                   ".scrollHeight")
            page.set_viewport_size({"width": 1440, "height": max(1000, int(height))})
            page.wait_for_timeout(1000)
            page.screenshot(path=str(OUTPUT / "app.png"), full_page=True)
            # Hide the missing findings: the first one left is partial and quotes the law.
            page.locator(".st-key-f_status button").filter(has_text="Missing").click()
            page.get_by_text("Evidence in the text").wait_for()
            page.locator("[data-testid='stExpander'] summary").filter(
                has_text="of the PDF").first.click()
            page.locator("[data-testid='stImage'] img").first.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            page.locator("[data-testid='stHorizontalBlock']").filter(
                has_text="Evidence in the text").first.screenshot(
                    path=str(OUTPUT / "app-finding.png"))
        except Exception:
            page.screenshot(path=str(OUTPUT / "app-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert (OUTPUT / "app.png").stat().st_size > 20_000
