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


def test_workers_load_the_lexicon_by_reference_and_get_it_sent_when_they_cannot(tmp_path, monkeypatch, caplog):
    """A Dask run sends the lexicon as a reference (its folder and sha256) when every
    worker loads the same lexicon itself; a worker that cannot (here: its load fails after
    the start) answers so, and the chunk is run again with the lexicon sent along."""
    import logging

    from distributed import LocalCluster

    from nbsclean.corpus import tasks
    from nbsclean.corpus.runner import DaskExecutor, run_chunk
    from nbsclean.corpus.tasks import LEXICON_UNAVAILABLE, LexiconReference, RunContext, WorkItem
    from nbsclean.pipeline import PipelineOptions, process_file
    from nbsclean.repair.lexicon import load_lexicon

    from text_inputs import write_text_inputs

    lexicon = load_lexicon()
    paths = write_text_inputs(tmp_path / "in", 3)
    items = [WorkItem(str(p), p.name) for p in paths]
    context = RunContext(PipelineOptions(), process_file, lexicon, "f" * 64, "e" * 64)
    expected = [result["finished"].line for result in run_chunk(items, context)]

    wrong = dataclasses_replace(context, lexicon=LexiconReference(str(lexicon.directory), "0" * 64))
    assert run_chunk(items, wrong) == LEXICON_UNAVAILABLE  # another lexicon: never used silently

    with LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None) as cluster:
        executor = DaskExecutor(cluster.scheduler_address, 1, context)
        try:
            assert isinstance(executor._run_context.lexicon, LexiconReference)
            assert [r["finished"].line for r in executor.submit(items).result()] == expected
            # The worker loses its copy and cannot load it again (edited files, say).
            tasks._referenced_lexicons.clear()
            monkeypatch.setattr("nbsclean.repair.lexicon.load_lexicon", lambda directory=None: 1 / 0)
            with caplog.at_level(logging.WARNING):
                assert [r["finished"].line for r in executor.submit(items).result()] == expected
            assert "cannot load the run's lexicon" in caplog.text
            assert executor._run_context.lexicon is lexicon
        finally:
            executor.close()


def dataclasses_replace(instance, **changes):
    import dataclasses

    return dataclasses.replace(instance, **changes)
