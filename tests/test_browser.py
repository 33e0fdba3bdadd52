"""The HTML preview in a real browser: headless Chromium (Debian's package) driven by Playwright against a served
API (granian), on both backends (issue 13). Screenshots go to the test's temporary directory (and to
``$RALPH_ES_SCREENSHOTS`` when set).

Without Chromium the tests skip, saying how to install it; under ``CI=true`` the set-up installs it with apt when it
can, and a browser still missing is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CI, ROOT, SECRET, make_user, not_run, service_env
from falcon.testing import TestClient
from playwright.sync_api import expect, sync_playwright

from api.app import create_app
from commands.catalog import CATALOG
from commands.passwords import api_token

CHROMIUM = "/usr/bin/chromium"


def _browser_path() -> str:
    """Debian's Chromium, installed now under CI when missing (the set-up installs what it needs)."""
    if not Path(CHROMIUM).exists() and CI and shutil.which("apt-get") and os.geteuid() == 0:
        install = ["apt-get", "install", "-y", "-q", "chromium"]
        if subprocess.run(install, check=False, capture_output=True, timeout=900).returncode:
            subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True, timeout=900)
            subprocess.run(install, check=False, capture_output=True, timeout=900)
    if not Path(CHROMIUM).exists():
        not_run("Chromium", f"{CHROMIUM} is missing: `apt-get install chromium` (Debian's package)")
    return CHROMIUM


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=_browser_path(), args=["--no-sandbox"])
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(rt, tmp_path):
    """``ralph-es serve`` on the test's backend; its base URL."""
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "workers.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "1"], env=service_env(rt.settings), cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/health/", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"server did not start: {(tmp_path / 'serve.log').read_text()}")
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def _shot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    target = os.environ.get("RALPH_ES_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / f"{name}.png", Path(target) / f"{name}.png")


def test_log_in_browse_filter_and_create(rt, server, chromium, tmp_path):
    make_user(rt, "root", is_staff=True, is_superuser=True)
    make_user(rt, "ops", "Pa55-word", ("view_manufacturer", "add_manufacturer", "change_manufacturer",
                                       "view_datacenter"), is_staff=True)
    for name in ("Dell", "HP", "Lenovo", "<script>document.title='pwned'</script>"):
        assert rt.dispatcher.wait_for(rt.commands.create(CATALOG["manufacturers"], {"name": name}, None).position)
    page = chromium.new_page()
    ran = []
    page.on("dialog", lambda dialog: (ran.append(dialog.message), dialog.dismiss()))

    page.goto(f"{server}/api/")  # a browser's own Accept header asks for HTML
    assert page.locator("h1").inner_text() == "Api Root"
    assert "401" in page.locator(".headers").inner_text()
    page.fill("#username", "ops")
    page.fill("#password", "wrong")
    page.click("#login button")
    assert "Please enter the correct username and password" in page.locator(".error").inner_text()
    page.fill("#username", "ops")
    page.fill("#password", "Pa55-word")
    page.click("#login button")
    page.wait_for_url(f"{server}/api/")
    _shot(page, tmp_path, "1-root")
    assert page.locator("#who").inner_text() == "ops"
    links = page.locator("#response a").all_inner_texts()
    assert links == [f"{server}/api/data-centers/", f"{server}/api/manufacturers/"]  # only what ops may view

    page.click(f"#response a:text('{server}/api/manufacturers/')")
    page.wait_for_url(f"{server}/api/manufacturers/")
    assert page.locator("h1").inner_text() == "Manufacturer List"
    shown = page.locator("#response").inner_text()
    assert '"count": 4' in shown and "<script>document.title='pwned'</script>" in shown  # shown as text
    assert page.title() == "Manufacturer List – Ralph-ES REST API" and ran == []  # not run
    _shot(page, tmp_path, "2-list")

    page.select_option("#filter-name", "name")
    page.fill("#filter-value", "HP")
    page.click("#filters button")
    page.wait_for_url(f"{server}/api/manufacturers/?name=HP")
    assert '"count": 1' in page.locator("#response").inner_text()
    _shot(page, tmp_path, "3-filtered")

    page.click(f"#response a:text('{server}/api/manufacturers/2/')")
    page.wait_for_url(f"{server}/api/manufacturers/2/")
    assert page.locator("h1").inner_text() == "Manufacturer Instance"
    assert '"name": "HP"' in page.locator("#response").inner_text()
    assert page.locator("#form-delete").count() == 0  # ops may not delete
    page.fill("#PATCH-name", "HPE")
    page.click("#form-patch button")
    expect(page.locator("#response")).to_contain_text('"name": "HPE"')
    _shot(page, tmp_path, "4-detail-patched")

    page.goto(f"{server}/api/manufacturers/")
    page.fill("#POST-name", "Dell")  # taken: the form shows the API's error
    page.click("#form-post button")
    expect(page.locator("#form-post .errors")).to_contain_text("manufacturer with this name already exists.")
    page.fill("#POST-name", "Supermicro")
    page.click("#form-post button")
    page.wait_for_url(re.compile(rf"{server}/api/manufacturers/[0-9]+/$"))  # the new record's page
    assert page.locator("h1").inner_text() == "Manufacturer Instance"
    assert '"name": "Supermicro"' in page.locator("#response").inner_text()
    _shot(page, tmp_path, "5-created")

    page.click("header a:text('Log out')")
    page.wait_for_url(f"{server}/api/")
    assert page.locator("#login-link").count() == 1
    stored = TestClient(create_app(rt)).simulate_get("/api/manufacturers/", params={"ordering": "name"},
                                                     headers={"Authorization": f"Token {api_token(SECRET, 1)}"})
    assert [m["name"] for m in stored.json["results"]] == ["<script>document.title='pwned'</script>", "Dell", "HPE",
                                                           "Lenovo", "Supermicro"]
