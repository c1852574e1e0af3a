#!/usr/bin/env python3
"""Dask driver of `wsindy compress-shards --dask ADDRESS` (docs/ARCHITECTURE.md, "Sharded data").

Started by the CLI, one process per run:

    python3 wsindy_dask.py --scheduler tcp://host:8786 [--no-worker-timeout S] -- NODE [FLAGS] CLI.js

It connects a distributed.Client to the scheduler and reads tasks as JSON lines on stdin:

    {"id": 3, "kind": "fit", "task": "/client/path/task.json", "result": "/client/path/result.json"}

For each it ships the task file's bytes to a worker (client.submit); the worker runs
the kernel (`NODE [FLAGS] CLI.js kernel-server`) on it in a temporary folder and returns the result's
bytes, which this process writes to the result path (each worker thread keeps one `kernel-server`
process for its tasks: Node's start and the JIT warm-up are paid once; idle ones exit at the end of the
run). It answers with one JSON line per task:

    {"id": 3, "ok": true, "worker": "tcp://...", "stats": "<the kernel's stdout>"}
    {"id": 3, "ok": false, "error": "<the kernel's last stderr line>"}

and {"fatal": "..."} when the run cannot go on (scheduler unreachable, no worker left). The shards are
read by the workers at the paths given in the tasks (a shared file system); only partials travel.
A worker lost mid-task is handled by the scheduler: its tasks run again on the others. Python 3.9+,
distributed 2022.12 or later (Debian: python3-distributed).
"""
import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time


def _die_with_parent():
    """In the kernel's process: be killed when the worker that started it dies (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _kernel_servers(worker):
    return worker.__dict__.setdefault("_wsindy_kernel_servers", {})


def _kernel_server(command):
    """This worker thread's `wsindy kernel-server` (started on first use), with the lock held while in use."""
    from distributed import get_worker

    servers = _kernel_servers(get_worker())
    key = (threading.get_ident(), tuple(command))
    entry = servers.get(key)
    if entry is None:
        entry = servers[key] = {"lock": threading.Lock(), "proc": None}
    entry["lock"].acquire()
    try:
        srv = entry["proc"]
        if srv is None or srv.poll() is not None:
            log = tempfile.TemporaryFile()
            srv = subprocess.Popen(
                list(command) + ["kernel-server"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                preexec_fn=_die_with_parent,
            )
            srv.wsindy_log = log
            entry["proc"] = srv
    except BaseException:
        entry["lock"].release()
        raise
    return entry


def stop_kernel_servers(dask_worker):
    """Runs on every worker at the end of a run (client.run): idle kernel servers exit (stdin closed)."""
    stopped = 0
    for entry in list(_kernel_servers(dask_worker).values()):
        if not entry["lock"].acquire(blocking=False):
            continue  # in use by another run's task
        try:
            srv = entry["proc"]
            if srv is not None and srv.poll() is None:
                srv.stdin.close()
                try:
                    srv.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    srv.kill()
                stopped += 1
            entry["proc"] = None
        finally:
            entry["lock"].release()
    return stopped


def run_kernel(command, kind, task_bytes):
    """Runs on a worker: one kernel in the worker's kernel server. Returns (result bytes, stats, address)."""
    from distributed import get_worker

    entry = _kernel_server(command)
    try:
        return _run_on(entry["proc"], kind, task_bytes, get_worker().address)
    finally:
        entry["lock"].release()


def _run_on(srv, kind, task_bytes, address):
    with tempfile.TemporaryDirectory(prefix="wsindy-kernel-") as d:
        task = os.path.join(d, "task.json")
        result = os.path.join(d, "result.json")
        with open(task, "wb") as f:
            f.write(task_bytes)
        srv.stdin.write((json.dumps({"kind": kind, "task": task, "result": result}) + "\n").encode())
        srv.stdin.flush()
        line = srv.stdout.readline()
        if not line:
            srv.wait()
            srv.wsindy_log.seek(0)
            lines = [l for l in srv.wsindy_log.read().decode("utf-8", "replace").splitlines() if l.strip()]
            raise RuntimeError(lines[-1] if lines else "the kernel process exited with code %s" % srv.returncode)
        reply = json.loads(line)
        if not reply.get("ok"):
            raise RuntimeError(reply.get("error") or "the %s kernel failed" % kind)
        with open(result, "rb") as f:
            out = f.read()
        stats = json.dumps({"seconds": reply.get("seconds"), "maxRssMB": reply.get("maxRssMB")})
        return out, stats, address


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scheduler", required=True)
    ap.add_argument("--no-worker-timeout", type=float, default=60.0)
    ap.add_argument("--connect-timeout", type=float, default=20.0)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        say({"fatal": "no kernel command given"})
        return 2
    try:
        from distributed import Client
    except ImportError as e:
        say({"fatal": "Python %s has no 'distributed' (%s): install python3-distributed or set WSINDY_PYTHON" % (sys.executable, e)})
        return 1
    try:
        client = Client(args.scheduler, timeout=args.connect_timeout)
    except Exception as e:  # OSError / TimeoutError from the comm layer
        say({"fatal": "cannot reach the Dask scheduler at %s: %s" % (args.scheduler, e)})
        return 1
    try:
        code = serve(client, command, args.no_worker_timeout)
        try:
            client.run(stop_kernel_servers)  # nothing of the run stays on the workers (busy ones are skipped)
        except Exception:
            pass
        return code
    finally:
        try:
            client.close(timeout=5)
        except Exception:
            pass


def worker_addresses(client):
    try:
        return sorted(client.scheduler_info().get("workers", {}).keys())
    except Exception:
        return []


def serve(client, command, no_worker_timeout):
    say({"ready": True, "workers": worker_addresses(client)})
    inbox = queue.Queue()  # ("task", dict) | ("eof", None) | ("done", (id, result_path, future))

    def read_stdin():
        for line in sys.stdin:
            line = line.strip()
            if line:
                inbox.put(("task", json.loads(line)))
        inbox.put(("eof", None))

    threading.Thread(target=read_stdin, daemon=True).start()
    pending = {}
    eof = False
    lonely_since = None
    while not (eof and not pending):
        try:
            what, item = inbox.get(timeout=1.0)
        except queue.Empty:
            what, item = None, None
        if what == "eof":
            eof = True
        elif what == "task" and item.get("cancel"):
            # the run failed elsewhere: drop what is still queued or running
            for _, fut in pending.values():
                fut.cancel()
            return 1
        elif what == "task":
            with open(item["task"], "rb") as f:
                data = f.read()
            fut = client.submit(run_kernel, command, item["kind"], data, pure=False, key="wsindy-%s-%d-%s" % (item["kind"], item["id"], os.urandom(4).hex()))
            pending[item["id"]] = (item, fut)
            fut.add_done_callback(lambda f, i=item["id"]: inbox.put(("done", i)))
        elif what == "done":
            task, fut = pending.pop(item, (None, None))
            if fut is None:
                continue
            try:
                out, stats, worker = fut.result()
            except Exception as e:
                name = type(e).__name__
                text = str(e) or name
                if name == "KilledWorker":
                    text = "a %s task kept killing the workers that ran it (%s)" % (task["kind"], text)
                say({"id": task["id"], "ok": False, "error": text})
                continue
            tmp = task["result"] + ".part"
            try:
                with open(tmp, "wb") as f:
                    f.write(out)
                os.replace(tmp, task["result"])
            except OSError as e:  # the run was given up meanwhile (its work folder removed)
                say({"id": task["id"], "ok": False, "error": "cannot write %s: %s" % (task["result"], e)})
                continue
            say({"id": task["id"], "ok": True, "worker": worker, "stats": stats, "workers": worker_addresses(client)})
        # tasks waiting and no worker to run them: give up after the timeout
        if pending and not worker_addresses(client):
            lonely_since = lonely_since or time.monotonic()
            if time.monotonic() - lonely_since > no_worker_timeout:
                say({"fatal": "no Dask worker connected to the scheduler for %g s with %d tasks waiting" % (no_worker_timeout, len(pending))})
                for _, fut in pending.values():
                    fut.cancel()
                return 1
        else:
            lonely_since = None
    return 0


if __name__ == "__main__":
    sys.exit(main())
