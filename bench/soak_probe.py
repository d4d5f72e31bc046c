#!/usr/bin/env python3
"""Measurements and checks for bench/soak.sh (standard library only).

  soak_probe.py free-port
  soak_probe.py header STREAM...
  soak_probe.py row PID WEB_PORT JAVA_HOME START_EPOCH EVENTS STREAM...   one CSV row to stdout
  soak_probe.py wait-live WEB_PORT SECONDS STREAM...                      exit 0 once every stream is live
  soak_probe.py wait-drained WEB_PORT SECONDS                             exit 0 once MQTT is connected, queue empty
  soak_probe.py events SERVICE_LOG SUBSCRIBER_FILE                        exit 0 when no logged event is missing
  soak_probe.py slope CSV WARMUP_MINUTES                                  RSS and heap trend after the warm-up
  soak_probe.py recovered WEB_PORT MIN_RECONNECTS STREAM...               exit 0 when each listed stream reconnected

Heap "after GC" comes from `jcmd PID GC.run` followed by `jstat -gc PID` (used survivor,
eden and old space); if the JVM cannot be attached, the heap column holds the JVM's own
used-heap gauge from /observe/metrics and the heap_source column says so.
"""
import csv
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone

STREAM_FIELDS = ("state", "processed_fps", "frames_processed", "dropped", "reconnects")


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.load(r)


def get_text(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.read().decode("utf-8", "replace")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def header(streams):
    cols = ["time", "elapsed_s", "rss_kb", "heap_after_gc_kb", "heap_source", "threads", "fds",
            "mqtt_state", "mqtt_queued", "mqtt_dropped"]
    for s in streams:
        cols += [f"{s}_{f}" for f in STREAM_FIELDS]
    cols.append("events")
    csv.writer(sys.stdout).writerow(cols)


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def heap_after_gc(pid, java_home, port):
    try:
        subprocess.run([f"{java_home}/bin/jcmd", str(pid), "GC.run"], check=True, capture_output=True, timeout=60)
        out = subprocess.run([f"{java_home}/bin/jstat", "-gc", str(pid)], check=True, capture_output=True,
                             text=True, timeout=60).stdout.split("\n")
        names, values = out[0].split(), out[1].split()
        gc = dict(zip(names, values))
        used = sum(float(gc[k]) for k in ("S0U", "S1U", "EU", "OU"))
        return round(used), "jstat-after-gc"
    except (subprocess.SubprocessError, OSError, KeyError, IndexError, ValueError):
        text = get_text(port, "/observe/metrics")
        m = re.search(r"^memory_usedHeap_bytes\{[^}]*\}\s+([0-9.eE+]+)", text, re.M)
        return (round(float(m.group(1)) / 1024) if m else -1), "metrics-used-heap"


def row(pid, port, java_home, start, events, streams):
    rss = proc_status(pid, "VmRSS")
    threads = proc_status(pid, "Threads")
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        fds = -1
    heap, source = heap_after_gc(pid, java_home, port)
    status = get_json(port, "/api/status")
    by_id = {s["id"]: s for s in status["streams"]}
    mqtt = status["mqtt"]
    now = time.time()
    cells = [datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), round(now - start), rss, heap, source,
             threads, fds, mqtt["state"], mqtt["queued"], mqtt["dropped"]]
    for s in streams:
        v = by_id.get(s, {})
        cells += [v.get(f, "") for f in STREAM_FIELDS]
    cells.append(events)
    csv.writer(sys.stdout).writerow(cells)


def wait_live(port, seconds, streams):
    deadline = time.time() + seconds
    last = {}
    while time.time() < deadline:
        try:
            last = {s["id"]: s["state"] for s in get_json(port, "/api/streams")}
            if all(last.get(s) == "live" for s in streams):
                return 0
        except OSError:
            pass
        time.sleep(1)
    print(f"streams not live within {seconds} s: {last}", file=sys.stderr)
    return 1


def wait_drained(port, seconds):
    deadline = time.time() + seconds
    mqtt = {}
    calm = 0
    while time.time() < deadline:
        try:
            mqtt = get_json(port, "/api/status")["mqtt"]
            calm = calm + 1 if mqtt["state"] == "connected" and mqtt["queued"] == 0 else 0
            if calm >= 3:
                return 0
        except OSError:
            pass
        time.sleep(1)
    print(f"MQTT not drained within {seconds} s: {mqtt}", file=sys.stderr)
    return 1


def events(log_file, sub_file):
    """Every appearance the service logged as new or ended must have reached the subscriber."""
    logged = {"new": 0, "end": 0}
    with open(log_file, errors="replace") as f:
        for line in f:
            m = re.search(r"appearance (new|end): ", line)
            if m:
                logged[m.group(1)] += 1
    received = {"new": set(), "end": set(), "update": set()}
    duplicates = 0
    with open(sub_file, errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 1)
            if len(parts) != 2 or not parts[0].endswith("/events"):
                continue
            try:
                payload = json.loads(parts[1])
            except ValueError:
                continue
            key = payload.get("id")
            kind = payload.get("type")
            if kind in received:
                if key in received[kind]:
                    duplicates += 1
                received[kind].add(key)
    missing = {k: max(0, logged[k] - len(received[k])) for k in logged}
    print(f"appearance events: logged new={logged['new']} end={logged['end']}; received new={len(received['new'])} "
          f"end={len(received['end'])} update={len(received['update'])} (duplicates {duplicates}, allowed by QoS 1)")
    ended_unopened = received["end"] - received["new"]
    if ended_unopened:
        print(f"events whose 'new' never arrived: {sorted(ended_unopened)[:10]}")
    if logged["new"] == 0:
        print("WARNING: no appearance was logged; the event check proves nothing (lower catalog.threshold?)")
    if any(missing.values()) or ended_unopened:
        print(f"LOST QoS 1 events: {missing}")
        return 1
    print("no QoS 1 event lost")
    return 0


def slope(csv_file, warmup_minutes):
    with open(csv_file) as f:
        rows = list(csv.DictReader(f))
    for column, label in (("rss_kb", "RSS"), ("heap_after_gc_kb", "heap after GC")):
        points = [(float(r["elapsed_s"]) / 60, float(r[column]) / 1024) for r in rows
                  if float(r["elapsed_s"]) / 60 >= warmup_minutes and r[column] not in ("", "-1")]
        if len(points) < 3:
            print(f"{label}: too few samples after {warmup_minutes:g} min for a trend")
            continue
        n = len(points)
        mx = sum(p[0] for p in points) / n
        my = sum(p[1] for p in points) / n
        sxx = sum((p[0] - mx) ** 2 for p in points)
        sxy = sum((p[0] - mx) * (p[1] - my) for p in points)
        k = sxy / sxx if sxx else 0.0
        print(f"{label}: {k * 60:+.1f} MB/hour after the first {warmup_minutes:g} min "
              f"({n} samples, mean {my:.0f} MB, min {min(p[1] for p in points):.0f}, max {max(p[1] for p in points):.0f})")
    return 0


def recovered(port, minimum, streams):
    views = {s["id"]: s for s in get_json(port, "/api/streams")}
    bad = [f"{s}: {views.get(s, {}).get('reconnects')} reconnects" for s in streams
           if views.get(s, {}).get("reconnects", 0) < minimum]
    for s in streams:
        v = views.get(s, {})
        print(f"  {s}: {v.get('state')}, {v.get('reconnects')} reconnects, {v.get('frames_processed')} frames processed")
    if bad:
        print(f"streams that did not reconnect {minimum} times: {bad}")
        return 1
    return 0


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "free-port":
        free_port()
        return 0
    if cmd == "header":
        header(args)
        return 0
    if cmd == "row":
        row(int(args[0]), int(args[1]), args[2], float(args[3]), args[4], args[5:])
        return 0
    if cmd == "wait-live":
        return wait_live(int(args[0]), int(args[1]), args[2:])
    if cmd == "wait-drained":
        return wait_drained(int(args[0]), int(args[1]))
    if cmd == "events":
        return events(args[0], args[1])
    if cmd == "slope":
        return slope(args[0], float(args[1]))
    if cmd == "recovered":
        return recovered(int(args[0]), int(args[1]), args[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
