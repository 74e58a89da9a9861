"""Take the README's screenshots: a summary page, and the same page as it prints (A4 pack).

    .venv/bin/python docs/screenshots/make.py

Loads the demo into a temporary SQLite database, serves the application on loopback, logs in
as the demo co-chair in Debian's Chromium (Playwright) and writes `summary.png` (the SWG
2025-H1 draft on a laptop screen) and `printed-pack.png` (the first page of the same summary
printed to PDF on A4 landscape, rendered by pdftoppm from poppler-utils) beside this file.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from uxo_swg import create_app  # noqa: E402
from uxo_swg.db import get_session  # noqa: E402
from uxo_swg.demo import load_demo  # noqa: E402
from uxo_swg.migrate import upgrade  # noqa: E402

PAGE = "/summaries/swg/2025-H1/all"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.sqlite"
        upgrade(url)
        app = create_app("test", DATABASE_URL=url, UPLOAD_FOLDER=f"{tmp}/uploads")
        with app.app_context():
            load_demo(session=get_session())
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(base + "/login")
            page.fill("input[name=email]", "cochair@demo.example")
            page.fill("input[name=password]", "demo password")
            page.click("button[type=submit], input[type=submit]")
            page.goto(base + PAGE)
            page.wait_for_selector(".chart .main-svg")
            page.screenshot(path=str(HERE / "summary.png"), full_page=False)
            page.emulate_media(media="print")
            pdf = Path(tmp) / "pack.pdf"
            page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True)
            browser.close()
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(HERE / "printed-pack")], check=True)
        server.shutdown()
    print(f"written: {HERE / 'summary.png'}, {HERE / 'printed-pack.png'}")


if __name__ == "__main__":
    main()
