"""Poll sources: what each view polls, and how cheaply (one module per resource family).

Textual-free: a source fetches through the client and returns a `FetchResult` with the
requests it cost; the UI's poll hub runs it. Every full list is read with the client's
`paginate` (through `CountedCalls`, which counts the requests).
"""

from koomap_tui.services.sources.data import (
    PAGE,
    FolderSource,
    ImageRow,
    ProductRow,
    ProductSource,
    SatelliteImageSource,
    position_key,
    product_key,
)
from koomap_tui.services.sources.real3d import (
    ALL_TASK_STATES,
    Real3DTaskSource,
    SubTaskSource,
    WatchedTasksSource,
    overview_matches,
)
from koomap_tui.services.sources.satellite import OverviewSatelliteSource, SatelliteTaskSource
from koomap_tui.services.sources.spurs import MAX_COUNT_QUERIES, SpurSource
from koomap_tui.services.sources.usage import UsageRow, UsageSource, usage_row
from koomap_tui.services.sources.workspaces import WorkspaceSource

__all__ = [
    "ALL_TASK_STATES",
    "MAX_COUNT_QUERIES",
    "PAGE",
    "FolderSource",
    "ImageRow",
    "OverviewSatelliteSource",
    "ProductRow",
    "ProductSource",
    "Real3DTaskSource",
    "SatelliteImageSource",
    "SatelliteTaskSource",
    "SpurSource",
    "SubTaskSource",
    "UsageRow",
    "UsageSource",
    "WatchedTasksSource",
    "WorkspaceSource",
    "overview_matches",
    "position_key",
    "product_key",
    "usage_row",
]
