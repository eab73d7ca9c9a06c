"""A local server that answers as data.gouv.fr's API documents it, for tests of live sources.

    GET /api/1/datasets/<id or slug>/   the dataset as JSON: id, slug, title, page, resources[] with id, title,
                                        format, type, url, latest, last_modified, filesize, mime
    GET /fr/datasets/r/<resource id>    the resource's stable link: 302 to its current file (as `latest` does)
    GET /storage/<dataset>/<file>       the file itself (what `url` points at: a redirect first, as data.gouv.fr's
                                        static file URLs may be)
    GET /stable/<name>                  a stable URL serving a file directly

`state` says what each file answers: bytes, or an int status (500...). Datasets are
{slug: {"id", "title", "resources": [{"id", "title", "format", "file", "last_modified", "type"}]}}.
"""

from __future__ import annotations

import http.server
import json
import threading
from urllib.parse import unquote, urlparse


class DataGouvHandler(http.server.BaseHTTPRequestHandler):
    state: dict = {}

    def log_message(self, *args):
        pass

    def send(self, status: int, body: bytes = b"", content_type: str = "application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def base(self) -> str:
        return f"http://{self.headers['Host']}"

    def resource_json(self, dataset: dict, r: dict) -> dict:
        return {"id": r["id"], "title": r["title"], "format": r["format"], "type": r.get("type", "main"),
                "url": f"{self.base()}/storage/{dataset['id']}/{r['file']}",
                "latest": f"{self.base()}/fr/datasets/r/{r['id']}",
                "last_modified": r.get("last_modified", "2026-01-01T00:00:00+00:00"),
                "filesize": len(self.file_body(r["file"]) or b""), "mime": "text/csv"}

    def file_body(self, name: str):
        value = self.state["files"].get(name)
        return value if isinstance(value, bytes) else None

    def serve_file(self, name: str):
        self.state.setdefault("hits", []).append(name)
        value = self.state["files"].get(name)
        if value is None:
            return self.send(404, b'{"message": "Not found"}')
        if isinstance(value, int):
            return self.send(value, b"Erreur", "text/plain")
        self.send(200, value, "text/csv" if name.endswith(".csv") else "application/json")

    def do_GET(self):
        path = unquote(urlparse(self.path).path)
        parts = [p for p in path.split("/") if p]
        datasets = self.state.get("datasets", {})
        if parts[:3] == ["api", "1", "datasets"] and len(parts) == 4:
            dataset = datasets.get(parts[3]) or next((d for d in datasets.values() if d["id"] == parts[3]), None)
            if dataset is None or self.state.get("api_status"):
                status = self.state.get("api_status") or 404
                return self.send(status, json.dumps({"message": "Not found" if status == 404 else "Erreur"}).encode())
            slug = next(k for k, v in datasets.items() if v is dataset)
            body = {"id": dataset["id"], "slug": slug, "title": dataset["title"],
                    "page": f"{self.base()}/fr/datasets/{slug}/",
                    "resources": [self.resource_json(dataset, r) for r in dataset["resources"]]}
            return self.send(200, json.dumps(body).encode())
        if parts[:3] == ["fr", "datasets", "r"] and len(parts) == 4:
            for dataset in datasets.values():
                for r in dataset["resources"]:
                    if r["id"] == parts[3]:
                        return self.send(302, headers={"Location": f"/storage/{dataset['id']}/{r['file']}"})
            return self.send(404)
        if parts[:1] == ["storage"] and len(parts) == 3:
            if self.state.get("redirect_storage") and "direct" not in urlparse(self.path).query:
                return self.send(301, headers={"Location": f"/storage/{parts[1]}/{parts[2]}?direct=1"})
            return self.serve_file(parts[2])
        if parts[:1] == ["stable"] and len(parts) == 2:
            return self.serve_file(parts[1])
        self.send(404)


def start(state: dict):
    """(server, base URL); stop with server.shutdown()."""
    handler = type("Handler", (DataGouvHandler,), {"state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
