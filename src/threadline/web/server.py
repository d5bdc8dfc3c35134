"""Run the workbench under uvicorn."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

from threadline.case import Case
from threadline.errors import UsageError

log = logging.getLogger("threadline.web")


def is_loopback(host: str) -> bool:
    """Whether the host is ``localhost`` or a loopback IP address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_address(
    host: str, tls_cert: Path | None, tls_key: Path | None, behind_tls_proxy: bool = False
) -> None:
    """Refuse to listen off loopback without TLS, or with half a TLS setup."""
    if bool(tls_cert) != bool(tls_key):
        raise UsageError("give both --tls-cert and --tls-key, or neither")
    if not is_loopback(host) and not tls_cert and not behind_tls_proxy:
        raise UsageError(
            f"{host} is not a loopback address: serve with --tls-cert and --tls-key "
            "(session cookies are Secure and browsers send them only over HTTPS off loopback)"
        )


def serve(
    case: Case,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    read_only: bool = False,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    behind_tls_proxy: bool = False,
) -> None:
    """Serve an open case until interrupted. Off loopback, TLS is required (cookies are Secure)."""
    import uvicorn

    from threadline.web.app import create_app

    check_address(host, tls_cert, tls_key, behind_tls_proxy)
    app = create_app(case, read_only=read_only, behind_tls_proxy=behind_tls_proxy)
    try:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="info",
            server_header=False,
            proxy_headers=False,
            ws="none",
            lifespan="off",
            ssl_certfile=str(tls_cert) if tls_cert else None,
            ssl_keyfile=str(tls_key) if tls_key else None,
        )
        uvicorn.Server(config).run()
    finally:
        app.state.wb.close()
