"""`koomap-tui doctor`: check config, credentials, clock, connectivity and file permissions.

Each check prints one line (OK / WARN / FAIL / SKIP) with what was found and, on failure, what
to do. The exit status is 1 when any check failed, so the command works in scripts. Nothing is
mutated on the server: the only API call is a one-item workspace listing. No secret is printed:
every line passes through `logsafe.redact` with the resolved secrets as known values.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from koomap_tui.logsafe import redact

#: AK/SK signatures are rejected when the request time is this far from the server's.
MAX_SKEW_SECONDS = 15 * 60
#: A skew worth mentioning even when it does not break signing yet.
NOTICE_SKEW_SECONDS = 60

OK, WARN, FAIL, SKIP = "OK", "WARN", "FAIL", "SKIP"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    def add(self, name: str, status: str, detail: str) -> None:
        self.checks.append(Check(name, status, detail))

    @property
    def failed(self) -> bool:
        return any(c.status == FAIL for c in self.checks)

    def lines(self) -> list[str]:
        out = []
        for c in self.checks:
            text = " ".join(c.detail.split())  # one line each, whatever the server said
            text = "".join(ch if ch.isprintable() else "?" for ch in text)
            out.append(f"  {c.status:<4}  {c.name:<13} {redact(text, tuple(self.secrets))}")
        return out


def check_clock(server_date: str | None, local_now: float, auth_mode: str) -> Check:
    """Compare the server's `Date` header with the local clock."""
    if not server_date:
        return Check("clock", WARN, "the server sent no Date header; skew not measured")
    try:
        server = parsedate_to_datetime(server_date).timestamp()
    except (TypeError, ValueError):
        return Check("clock", WARN, f"unreadable Date header {server_date[:40]!r}")
    skew = local_now - server
    where = "ahead of" if skew > 0 else "behind"
    text = f"local clock is {abs(skew):.0f} s {where} the server"
    if abs(skew) > MAX_SKEW_SECONDS:
        if auth_mode == "aksk":
            return Check(
                "clock",
                FAIL,
                f"{text}; AK/SK signatures are refused beyond {MAX_SKEW_SECONDS // 60} min "
                "(sync the clock, e.g. enable NTP)",
            )
        return Check("clock", WARN, f"{text}; sync the clock (AK/SK would be refused)")
    if abs(skew) > NOTICE_SKEW_SECONDS:
        return Check("clock", WARN, f"{text} (AK/SK fails beyond {MAX_SKEW_SECONDS // 60} min)")
    return Check("clock", OK, text)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def check_file_private(name: str, path: Path, *, holds_secrets: bool) -> Check:
    """A file others can read: a failure if it holds secrets, a warning otherwise."""
    if not path.exists():
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if os.access(parent, os.W_OK):
            return Check(name, OK, f"{path} will be created 0600")
        return Check(name, FAIL, f"{path} cannot be created: {parent} is not writable")
    mode = _mode(path)
    if mode & 0o077:
        status = FAIL if holds_secrets else WARN
        return Check(name, status, f"{path} is mode {mode:04o}; run: chmod 600 {path}")
    if not os.access(path, os.W_OK):
        return Check(name, FAIL, f"{path} is not writable")
    return Check(name, OK, f"{path} is mode {mode:04o}")


def _tls_hint(exc: BaseException) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
        return " (TLS certificate not trusted: fix the CA bundle; --insecure only for a lab)"
    return ""


async def _probe(endpoint: str, verify: bool, timeout: float) -> tuple[Check, str | None]:
    """Reach the endpoint at all (no credentials); returns its Date header."""
    try:
        async with httpx.AsyncClient(verify=verify, timeout=timeout) as http:
            response = await http.get(endpoint.rstrip("/") + "/")
    except httpx.HTTPError as exc:
        name = type(exc).__name__
        return Check(
            "connectivity", FAIL, f"cannot reach {endpoint}: {name} {exc}{_tls_hint(exc)}"
        ), None
    return (
        Check("connectivity", OK, f"{endpoint} answered (HTTP {response.status_code})"),
        response.headers.get("date"),
    )


async def _api_call(client: Any) -> Check:
    from koomap_tui.api.errors import AuthenticationError, KooMapError, PermissionDeniedError

    try:
        async with client:
            page = await client.list_common_workspace(limit=1)
    except AuthenticationError as exc:
        return Check("api", FAIL, f"credentials rejected: {exc}")
    except PermissionDeniedError as exc:
        return Check("api", FAIL, f"authenticated but not allowed: {exc}")
    except KooMapError as exc:
        return Check("api", FAIL, f"ListCommonWorkspace failed: {exc}")
    total = getattr(getattr(page, "page", None), "total", None)
    seen = f"{total} workspace(s) visible" if total is not None else "answered"
    return Check("api", OK, f"authenticated; ListCommonWorkspace {seen}")


def _ask(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


@contextlib.contextmanager
def _demo(args: argparse.Namespace) -> Iterator[Any]:
    if not getattr(args, "demo", False):
        yield None
        return
    from koomap_tui.cli import demo_simulator

    with demo_simulator(getattr(args, "seed", 7), getattr(args, "speed", 10.0)) as sim:
        yield sim


def diagnose(
    args: argparse.Namespace,
    *,
    now: Callable[[], float] = time.time,
    prompt: Callable[[str], str] | None = None,
) -> Report:
    """Run every check; never raises for a problem the operator can fix."""
    from koomap_tui import config
    from koomap_tui.api.client import KooMapClient
    from koomap_tui.session import demo_session, load_profile_settings, register_auth_secrets

    report = Report()
    with _demo(args) as sim:
        if sim is not None:
            session = demo_session(sim, args)
            report.add("config", OK, "demo mode: the built-in simulator, no config file read")
            report.add("credentials", OK, "demo tenant AK/SK")
            endpoint, verify, timeout, mode = sim.base_url, True, 5.0, "aksk"
            client = session.client
        else:
            try:
                settings = load_profile_settings(args)
            except config.ConfigError as exc:
                report.add("config", FAIL, str(exc))
                report.add("credentials", SKIP, "needs a valid config")
                return report
            where = str(settings.path) if settings.path else "no config file (built-in defaults)"
            report.add("config", OK, f"profile '{settings.name}' from {where}")
            for warning in settings.warnings:
                if "TLS" in warning:
                    report.add("tls", WARN, warning)
                elif "permission" not in warning and "readable" not in warning:
                    report.add("config", WARN, warning)
            profile = settings.profile
            endpoint, verify, mode = profile.endpoint, profile.verify_tls, profile.auth
            timeout = profile.connect_timeout
            if settings.path is not None:
                report.checks.append(
                    check_file_private(
                        "config file",
                        settings.path,
                        holds_secrets=any("secret" in w for w in settings.warnings),
                    )
                )
            try:
                setup = config.build_auth(
                    settings, prompt=prompt or (_ask if sys.stdin.isatty() else None)
                )
            except config.ConfigError as exc:
                report.add("credentials", FAIL, str(exc))
                setup = None
            else:
                assert setup is not None
                report.secrets.extend(register_auth_secrets(setup.auth))
                report.add("credentials", OK, setup.description)
                for warning in setup.warnings:
                    report.add("credentials", WARN, warning)
            client = None
            if setup is not None:
                client = KooMapClient(
                    endpoint,
                    setup.auth,
                    qps=profile.qps,
                    connect_timeout=profile.connect_timeout,
                    read_timeout=profile.read_timeout,
                    max_retries=0,
                    verify=verify,
                )
        asyncio.run(_network_checks(report, endpoint, verify, timeout, mode, client, now))
    audit = getattr(args, "audit_file", None)
    if audit is None:
        from koomap_tui.cli import default_audit_path

        audit = default_audit_path()
    report.checks.append(check_file_private("audit file", Path(audit), holds_secrets=False))
    log_file = getattr(args, "log_file", None)
    if log_file is not None:
        report.checks.append(check_file_private("log file", Path(log_file), holds_secrets=False))
    return report


async def _network_checks(
    report: Report,
    endpoint: str,
    verify: bool,
    timeout: float,
    mode: str,
    client: Any,
    now: Callable[[], float],
) -> None:
    if not verify:
        report.add("tls", WARN, "certificate verification is OFF; use only against a lab")
    probe, date = await _probe(endpoint, verify, timeout)
    report.checks.append(probe)
    if probe.status == FAIL:
        report.add("clock", SKIP, "needs connectivity")
        report.add("api", SKIP, "needs connectivity")
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()
        return
    clock = check_clock(date, now(), mode)
    report.checks.append(clock)
    if client is None:
        report.add("api", SKIP, "needs credentials")
        return
    api = await _api_call(client)
    if api.status == FAIL and clock.status == FAIL:
        api = Check(api.name, api.status, api.detail + " (likely the clock skew above)")
    report.checks.append(api)


def run_doctor(
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    now: Callable[[], float] = time.time,
    prompt: Callable[[str], str] | None = None,
) -> int:
    """Print the report; 0 when nothing failed, 1 otherwise."""
    out = out or sys.stdout
    report = diagnose(args, now=now, prompt=prompt)
    print("koomap-tui doctor", file=out)
    for line in report.lines():
        print(line, file=out)
    failures = sum(c.status == FAIL for c in report.checks)
    warnings = sum(c.status == WARN for c in report.checks)
    if failures:
        print(f"result: {failures} problem(s), {warnings} warning(s): fix the FAIL lines", file=out)
        return 1
    print(f"result: all checks passed ({warnings} warning(s))", file=out)
    return 0
