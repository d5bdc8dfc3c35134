"""Sign in to a running workbench and print one country's targets, with plain httpx.

    threadline serve CASE --port 8000 &
    THREADLINE_USER=au_analyst THREADLINE_PASSWORD=... python docs/examples/api_targets.py \
        http://127.0.0.1:8000 AU

The client keeps the session cookie like a browser (httpx's cookie jar); every request that
changes something carries the session's CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

import json
import os
import sys

import httpx


def main(base: str, country: str) -> None:
    """Sign in, read ``/api/targets/{country}``, sign out."""
    with httpx.Client(base_url=base, timeout=30) as http:
        csrf = http.get("/api/session").json()["csrf"]  # starts an anonymous session
        r = http.post(
            "/api/session",
            json={
                "name": os.environ["THREADLINE_USER"],
                "password": os.environ["THREADLINE_PASSWORD"],
            },
            headers={"X-CSRF-Token": csrf},
        )
        r.raise_for_status()
        csrf = r.json()["csrf"]  # signing in starts a fresh session with its own token
        targets = http.get(f"/api/targets/{country}")
        targets.raise_for_status()
        print(json.dumps(targets.json(), indent=2))
        http.request("DELETE", "/api/session", headers={"X-CSRF-Token": csrf})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
