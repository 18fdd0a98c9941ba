"""A local Dask cluster started by `run --executor dask` opens nothing on the network."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("distributed")

LISTENERS = textwrap.dedent(
    """
    import psutil
    from nbsclean.corpus.runner import DaskExecutor

    def worker_settings():
        import dask

        return dask.config.get("distributed.worker.profile.enabled"), dask.config.get("distributed.admin.tick.interval")

    def main():
        executor = DaskExecutor(None, 2, None)
        try:
            me = psutil.Process()
            for process in [me, *me.children(recursive=True)]:
                for connection in process.net_connections(kind="inet"):
                    if connection.status == psutil.CONN_LISTEN:
                        print("listen", connection.laddr.ip)
            for profile, tick in executor._client.run(worker_settings).values():
                print("worker", profile, tick)
        finally:
            executor.close()

    if __name__ == "__main__":
        main()
    """
)


def test_scheduler_workers_and_dashboard_listen_on_loopback_only(tmp_path):
    script = tmp_path / "listeners.py"
    script.write_text(LISTENERS, encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    addresses = [line[1] for line in lines if line[0] == "listen"]
    assert len(addresses) >= 3  # the scheduler and two workers at least
    assert set(addresses) == {"127.0.0.1"}, addresses
    # The workers run without Dask's stack profiler and with a slow tick (LOCAL_CLUSTER_CONFIG).
    assert [line[1:] for line in lines if line[0] == "worker"] == [["False", "1s"], ["False", "1s"]]
