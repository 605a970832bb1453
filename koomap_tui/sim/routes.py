"""Method + path templates of every KooMap operation the simulator serves."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from koomap_tui.sim.handlers import data, real3d, satellite, spurs, subtasks, workspaces

Handler = Callable[..., Any]

_T = "/v1/real3d/{workspace_id}/tasks"
_S = _T + "/{task_id}/subtasks"

ROUTES: list[tuple[str, str, str, Handler]] = [
    ("POST", "/v1/workspaces", "CreateCommonWorkspace", workspaces.create),
    ("GET", "/v1/workspaces", "ListCommonWorkspace", workspaces.list_),
    ("PUT", "/v1/workspaces/{workspace_id}", "UpdateCommonWorkspace", workspaces.update),
    ("DELETE", "/v1/workspaces/{workspace_id}", "DeleteCommonWorkspace", workspaces.delete),
    ("GET", _T + "/overview", "ShowTaskOverviewInWorkspace", real3d.overview),
    ("POST", _T, "CreateReal3DTask", real3d.create),
    ("GET", _T, "ListTasksInWorkspace", real3d.list_),
    ("PUT", _T + "/{task_id}", "UpdateReal3DTask", real3d.update),
    ("POST", _T + "/{task_id}/start", "StartReal3DTask", real3d.start),
    ("POST", _T + "/{task_id}/stop", "StopReal3DTask", real3d.stop),
    ("DELETE", _T + "/{task_id}", "DeleteReal3DTask", real3d.delete),
    ("POST", _T + "/{task_id}/archive", "UpdateReal3DTaskArchivedStatus", real3d.archive),
    ("POST", _S, "CreateReal3DSubTask", subtasks.create),
    ("GET", _S, "ListReal3DSubTasks", subtasks.list_),
    ("POST", _S + "/{subtask_id}/start", "StartReal3DSubTask", subtasks.start),
    ("POST", _S + "/{subtask_id}/stop", "StopReal3DSubTask", subtasks.stop),
    ("DELETE", _S + "/{subtask_id}", "DeleteReal3DSubTask", subtasks.delete),
    (
        "PUT",
        _S + "/{subtask_id}/upload-status",
        "SimUpdateReal3DSubTaskUploadStatus",
        subtasks.upload_status,
    ),
    ("POST", "/v1/real3d/spur", "AddSpurPoint", spurs.add),
    ("DELETE", "/v1/real3d/spur", "DeleteSpurPoint", spurs.delete),
    ("POST", "/v1/real3d/spurs", "ListSpurPoints", spurs.list_),
    ("POST", "/v1/real3d/spur/count", "ShowSpurCount", spurs.count),
    ("POST", "/v1/real3d/spur/{task_id}/markerinfo", "CreateMarkerInfo", spurs.marker_info),
    ("GET", "/v1/real3d/folders", "ListFolder", data.list_folders),
    ("GET", "/v1/real3d/products", "ListReal3DProducts", data.list_products),
    ("DELETE", "/v1/real3d/products/{product_id}", "DeleteReal3DProduct", data.delete_product),
    ("GET", "/v1/real3d/refineproducts", "ListReal3DRefineProducts", data.list_refine_products),
    (
        "DELETE",
        "/v1/real3d/refineproducts/{refine_product_id}",
        "DeleteReal3DRefineProduct",
        data.delete_refine_product,
    ),
    ("GET", "/v1/real3d/usages", "ShowReal3DUsage", data.real3d_usage),
    ("POST", "/v1/kmp-control/tasks", "CreateTask", satellite.create),
    ("GET", "/v1/kmp-control/tasks/overview", "ShowTaskOverview", satellite.overview),
    ("GET", "/v1/kmp-control/tasks", "ListTaskInfo", satellite.list_),
    ("POST", "/v1/kmp-control/tasks/start", "StartTask", satellite.start),
    ("POST", "/v1/kmp-control/tasks/stop", "StopTask", satellite.stop),
    ("POST", "/v1/kmp-control/tasks/archive", "UpdateTaskArchivedStatus", satellite.archive),
    ("DELETE", "/v1/kmp-control/tasks", "DeleteTask", satellite.delete),
    ("POST", "/v1/kmp-control/tasks/image", "ValidateImage", satellite.validate_image),
    ("POST", "/v1/kmp-data/imageinfo", "ListImageBaseInfo", satellite.list_images),
    ("GET", "/v1/kmp-control/usages", "ListUsageInfo", satellite.usage),
]


class Router:
    """Matches by (method, segment count) first, then literal segments; static beats templated."""

    def __init__(self, routes: list[tuple[str, str, str, Handler]]) -> None:
        self._table: dict[tuple[str, int], list[tuple[re.Pattern[str], str, Handler]]] = {}
        self._paths: dict[int, list[re.Pattern[str]]] = {}
        for method, template, op, handler in routes:
            regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")
            depth = template.count("/")
            self._table.setdefault((method, depth), []).append((regex, op, handler))
            self._paths.setdefault(depth, []).append(regex)
        for entries in self._table.values():
            entries.sort(key=lambda e: e[0].pattern.count("(?P"))

    def match(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]] | None:
        for regex, op, handler in self._table.get((method, path.count("/")), ()):
            m = regex.match(path)
            if m:
                return op, handler, m.groupdict()
        return None


ROUTER = Router(ROUTES)
