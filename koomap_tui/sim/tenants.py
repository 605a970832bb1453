"""Tenants known to the simulator, with their fixed credentials.

The demo tenant's credentials are public on purpose: they are printed at start-up and listed in
docs/simulator.md so a console can log in to a local simulator. They grant nothing anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_USER = "demo_operator"
DEMO_PASSWORD = "KooMap-demo-2024"
DEMO_DOMAIN = "koomap_demo"
DEMO_DOMAIN_ID = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
DEMO_PROJECT_ID = "5a1f0c2d3b4e5f60718293a4b5c6d7e8"
DEMO_PROJECT_NAME = "cn-north-4"
DEMO_AK = "SIMDEMOAK0000000000001"
DEMO_SK = "SimDemoSecretKey0000000000000000000000001"

# A second tenant so tests can prove isolation.
OTHER_USER = "other_operator"
OTHER_PASSWORD = "Other-tenant-2024"
OTHER_DOMAIN = "koomap_other"
OTHER_DOMAIN_ID = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
OTHER_PROJECT_ID = "1e2d3c4b5a69788796a5b4c3d2e1f0a9"
OTHER_AK = "SIMOTHERAK000000000002"
OTHER_SK = "SimOtherSecretKey000000000000000000000002"


@dataclass(frozen=True)
class Tenant:
    """One IAM account (domain) with one user, one project and one AK/SK pair."""

    key: str
    user: str
    password: str
    domain: str
    domain_id: str
    project_id: str
    project_name: str
    ak: str
    sk: str

    def __repr__(self) -> str:  # never show the password or SK
        return f"Tenant(key={self.key!r}, user={self.user!r}, domain={self.domain!r})"

    __str__ = __repr__


DEMO_TENANT = Tenant(
    "demo",
    DEMO_USER,
    DEMO_PASSWORD,
    DEMO_DOMAIN,
    DEMO_DOMAIN_ID,
    DEMO_PROJECT_ID,
    DEMO_PROJECT_NAME,
    DEMO_AK,
    DEMO_SK,
)
OTHER_TENANT = Tenant(
    "other",
    OTHER_USER,
    OTHER_PASSWORD,
    OTHER_DOMAIN,
    OTHER_DOMAIN_ID,
    OTHER_PROJECT_ID,
    DEMO_PROJECT_NAME,
    OTHER_AK,
    OTHER_SK,
)
DEFAULT_TENANTS = (DEMO_TENANT, OTHER_TENANT)
