#!/usr/bin/env python3
"""Draws a soak CSV (bench/soak.sh) to a PNG: memory, threads and file descriptors, and
per-stream processed frames per second and drops, with the injected faults marked.

Usage: /usr/bin/python3 bench/plot.py OUT/soak.csv [--png FILE]   (default: beside the CSV)
Needs Debian's python3-matplotlib.
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv")
    parser.add_argument("--png")
    args = parser.parse_args()
    with open(args.csv) as f:
        rows = list(csv.DictReader(f))
    if len(rows) < 2:
        sys.exit(f"{args.csv}: need at least two samples, found {len(rows)}")
    streams = sorted({c[: -len("_frames_processed")] for c in rows[0] if c.endswith("_frames_processed")})
    minutes = [float(r["elapsed_s"]) / 60 for r in rows]
    # Exact fault times from faults.csv beside the CSV; else the sample that first saw each fault.
    faults_csv = os.path.join(os.path.dirname(os.path.abspath(args.csv)), "faults.csv")
    if os.path.exists(faults_csv):
        with open(faults_csv) as f:
            faults = [(float(r["elapsed_s"]) / 60, r["event"]) for r in csv.DictReader(f)]
    else:
        faults = [(float(r["elapsed_s"]) / 60, e) for r in rows for e in r.get("events", "").split(";")
                  if e and e != "end"]

    fig, axes = plt.subplots(4, 1, figsize=(11, 13), sharex=True)
    ax = axes[0]
    ax.plot(minutes, [number(r["rss_kb"]) / 1024 for r in rows], label="RSS")
    ax.plot(minutes, [number(r["heap_after_gc_kb"]) / 1024 for r in rows], label="heap after GC")
    ax.set_ylabel("MB")
    ax.set_title("logowatch soak: " + os.path.basename(os.path.dirname(os.path.abspath(args.csv))))
    ax.legend(loc="upper left")

    ax = axes[1]
    ax.plot(minutes, [number(r["threads"]) for r in rows], label="threads")
    ax.plot(minutes, [number(r["fds"]) for r in rows], label="open file descriptors")
    ax.set_ylabel("count")
    ax.legend(loc="upper left")

    # Average processed rate between samples, from the frame counters (robust to the instant gauge).
    ax = axes[2]
    for s in streams:
        rates = [None]
        for a, b in zip(rows, rows[1:]):
            fa, fb = number(a[f"{s}_frames_processed"]), number(b[f"{s}_frames_processed"])
            dt = number(b["elapsed_s"]) - number(a["elapsed_s"])
            rates.append((fb - fa) / dt if fa is not None and fb is not None and dt > 0 else None)
        ax.plot(minutes, rates, label=s)
    ax.set_ylabel("processed frames/s")
    ax.legend(loc="upper left", ncol=len(streams))

    ax = axes[3]
    for s in streams:
        ax.plot(minutes, [number(r[f"{s}_dropped"]) for r in rows], label=f"{s} dropped")
    ax2 = ax.twinx()
    for s in streams:
        ax2.step(minutes, [number(r[f"{s}_reconnects"]) for r in rows], where="post", linestyle=":",
                 label=f"{s} reconnects")
    ax.set_ylabel("dropped frames (total)")
    ax2.set_ylabel("reconnects (total)")
    ax.set_xlabel("minutes")
    ax.legend(loc="upper left", fontsize="small")
    ax2.legend(loc="lower right", fontsize="small")

    for a in axes:
        for at, event in faults:
            a.axvline(at, color="red" if "rtsp" in event else "purple", alpha=0.3, linewidth=1,
                      linestyle="-" if event.endswith(("killed", "stopped")) else "--")
    if faults:
        axes[0].text(0.99, 0.02, "RTSP server (red) and broker (purple): down (solid), back (dashed)",
                     transform=axes[0].transAxes, ha="right", fontsize="small", alpha=0.7)

    png = args.png or os.path.splitext(args.csv)[0] + ".png"
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    print(png)


if __name__ == "__main__":
    main()
