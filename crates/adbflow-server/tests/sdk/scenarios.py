"""The Databricks SDK for Python against `adbflow serve` (issue 8 acceptance).

Run by tests/sdk.rs as `python scenarios.py HOST TOKEN SCENARIO`; every check is an assert, so a
failure exits non-zero with the traceback. The last line on stdout is a JSON summary the Rust test
reads back.
"""

import json
import sys
import time
from datetime import timedelta

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound, OperationFailed
from databricks.sdk.service.compute import (
    EventType,
    GetEventsOrder,
    Library,
    LibraryInstallStatus,
    PythonPyPiLibrary,
    State,
    TerminationReasonCode,
)

TIMEOUT = timedelta(minutes=2)


def spec():
    return dict(
        cluster_name="sdk",
        spark_version="15.4.x-scala2.12",
        node_type_id="Standard_DS3_v2",
        num_workers=1,
        timeout=TIMEOUT,
    )


def library_status(w, cluster_id, package, wanted, seconds=60):
    """Poll cluster_status until the library reaches `wanted`; returns its LibraryFullStatus."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        for s in w.libraries.cluster_status(cluster_id):
            if s.library.pypi and s.library.pypi.package == package and s.status == wanted:
                return s
        time.sleep(0.1)
    raise AssertionError(f"{package} never reached {wanted}: {list(w.libraries.cluster_status(cluster_id))}")


def non_pl(w):
    c = w.clusters.create_and_wait(**spec())
    assert c.state == State.RUNNING, c.state
    assert c.cluster_id in [x.cluster_id for x in w.clusters.list()]

    resized = w.clusters.resize(cluster_id=c.cluster_id, num_workers=2).result(timeout=TIMEOUT)
    assert resized.state == State.RUNNING and resized.num_workers == 2, resized

    w.libraries.install(cluster_id=c.cluster_id, libraries=[Library(pypi=PythonPyPiLibrary(package="simplejson"))])
    library_status(w, c.cluster_id, "simplejson", LibraryInstallStatus.INSTALLED)

    deleted = w.clusters.delete(cluster_id=c.cluster_id).result(timeout=TIMEOUT)
    assert deleted.state == State.TERMINATED, deleted.state
    assert deleted.termination_reason.code == TerminationReasonCode.USER_REQUEST, deleted.termination_reason

    # Paginated through next_page by the SDK itself (page size 2 forces several pages).
    events = list(w.clusters.events(cluster_id=c.cluster_id, order=GetEventsOrder.ASC, limit=2))
    types = [e.type for e in events]
    assert types[0] == EventType.CREATING, types
    for t in (EventType.RUNNING, EventType.RESIZING, EventType.UPSIZE_COMPLETED, EventType.TERMINATING):
        assert t in types, (t, types)
    only_running = list(w.clusters.events(cluster_id=c.cluster_id, event_types=[EventType.RUNNING]))
    assert only_running and all(e.type == EventType.RUNNING for e in only_running), only_running

    try:
        w.clusters.get(cluster_id="0101-000000-nothere1")
        raise AssertionError("an unknown cluster must be NotFound")
    except NotFound:
        pass
    return {"cluster_id": c.cluster_id, "events": [t.value for t in types]}


def hub_spoke_without_relay_rule(w):
    try:
        w.clusters.create_and_wait(**spec())
    except OperationFailed as e:
        message = str(e)
        assert "TERMINATED" in message, message
        return {"message": message}
    raise AssertionError("the launch must fail without the relay rule")


def full_private(w):
    c = w.clusters.create_and_wait(**spec())
    w.libraries.install(cluster_id=c.cluster_id, libraries=[Library(pypi=PythonPyPiLibrary(package="simplejson"))])
    failed = library_status(w, c.cluster_id, "simplejson", LibraryInstallStatus.FAILED)
    assert w.clusters.get(cluster_id=c.cluster_id).state == State.RUNNING, "a failed library leaves the cluster RUNNING"
    return {"cluster_id": c.cluster_id, "messages": failed.messages}


def main():
    host, token, scenario = sys.argv[1:4]
    w = WorkspaceClient(host=host, token=token)
    run = {
        "non-pl": non_pl,
        "hub-spoke-without-relay-rule": hub_spoke_without_relay_rule,
        "full-private": full_private,
    }[scenario]
    print(json.dumps(run(w)))


if __name__ == "__main__":
    main()
