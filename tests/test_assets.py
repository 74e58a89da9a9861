"""Static files: content-hashed names kept a year, gzip for clients that take it, plain names still served."""
import gzip
import hashlib
import re
from pathlib import Path

import pytest

from uxo_swg import ROOT

STATIC = ROOT / "static"


def _digest(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def _get(client, url, **headers):
    response = client.get(url, headers=headers)
    body = response.get_data()
    response.close()
    return response, body


def test_pages_name_the_static_files_by_their_content(client, login):
    login("co-chair")
    page = client.get("/summaries/swg/2025-H2/all").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert f"/static/plotly.min.{_digest('plotly.min.js')}.js" in scripts
    assert f"/static/summaries.{_digest('summaries.js')}.js" in scripts
    assert f'href="/static/app.{_digest("app.css")}.css"' in page
    assert f"/static/lao-adm1.{_digest('lao-adm1.geojson')}.geojson" in page  # the map's boundaries, fetched by script


@pytest.mark.parametrize("name", ["plotly.min.js", "app.css", "lao-adm1.geojson"])
def test_a_hashed_name_is_kept_a_year_and_sent_gzipped_to_clients_that_take_it(client, name):
    stem, ext = name.rsplit(".", 1)
    url = f"/static/{stem}.{_digest(name)}.{ext}"
    original = (STATIC / name).read_bytes()

    response, body = _get(client, url, **{"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(body) == original
    assert len(body) < len(original) / 2

    response, body = _get(client, url)  # a client that takes no gzip gets the file as it is
    assert "Content-Encoding" not in response.headers
    assert body == original and response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_plain_names_still_work_with_a_short_cache(client):
    response, body = _get(client, "/static/plotly.min.js", **{"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert gzip.decompress(body) == (STATIC / "plotly.min.js").read_bytes()


def test_an_old_hash_gets_the_current_file_but_only_for_a_while(client):
    response, body = _get(client, "/static/app.0123456789ab.css")
    assert response.status_code == 200 and body == (STATIC / "app.css").read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_a_browser_that_has_the_file_gets_not_modified(client):
    url = f"/static/summaries.{_digest('summaries.js')}.js"
    response, _ = _get(client, url, **{"Accept-Encoding": "gzip"})
    again, body = _get(client, url, **{"Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and body == b""


@pytest.mark.parametrize("url", ["/static/nothing.js", "/static/../config.py", "/static/%2e%2e/config.py",
                                 "/static/nothing.0123456789ab.js"])
def test_no_file_outside_the_static_folder_or_unknown(client, url):
    response, _ = _get(client, url)
    assert response.status_code == 404


def test_the_compressed_copy_is_made_once_in_the_instance_folder(app, client):
    name = f"plotly-maplibre.{_digest('plotly-maplibre.css')}.css"
    _get(client, f"/static/{name}", **{"Accept-Encoding": "gzip"})
    kept = Path(app.instance_path) / "static-gz" / f"{name}.gz"
    assert gzip.decompress(kept.read_bytes()) == (STATIC / "plotly-maplibre.css").read_bytes()
