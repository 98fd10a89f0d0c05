"""The registries' recorded answers (tests/files/registries/), served from a loopback HTTP server, for
the site's real worker process to call instead of NCBI, ClinicalTrials.gov and Crossref."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from .serving import free_port

RECORDED = Path(__file__).parent / "files" / "registries"


class RecordedRegistries:
    """``with RecordedRegistries() as registries``: ``registries.environment()`` points the site at it;
    ``registries.trial`` names the ClinicalTrials.gov answer served now; ``registries.requests`` lists
    the paths asked for."""

    def __init__(self):
        self.trial = "ctgov-NCT00568555-before.json"
        self.requests = []
        registries = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = urlsplit(self.path).path
                registries.requests.append(path)
                name = {
                    "/eutils/esearch.fcgi": "esearch.json",
                    "/eutils/esummary.fcgi": "esummary.json",
                    "/ctgov/studies/NCT00568555": registries.trial,
                    "/crossref/works": "crossref-updates.json",
                }.get(path)
                if name is None:
                    self.send_error(404)
                    return
                body = (RECORDED / name).read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def environment(self):
        base = f"http://127.0.0.1:{self.port}"
        return {
            "NCBI_EUTILS_URL": f"{base}/eutils",
            "CLINICALTRIALS_API_URL": f"{base}/ctgov",
            "CROSSREF_API_URL": f"{base}/crossref",
            "NCBI_REQUESTS_PER_SECOND": "100",
            "REFERENCE_LOOKUP_CONTACT": "editors@example.org",
        }
