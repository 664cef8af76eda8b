#!/usr/bin/env python3
"""Markdown table of the peer bench (supriya, raw_udp) beside this project's (scserver,
raw_udp_rust) from their JSON outputs: python3 compare.py peer.json scserver.json

Ratios are of times (for rates: of 1/rate), so scserver/floor < 1 means faster than the floor and
supriya/scserver > 1 means supriya is slower."""

import json
import sys


def get(side, *path):
    node = side
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def fmt(v):
    if v is None:
        return "n/a"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.4f}"


def fmt_kind(v, kind):
    if v is not None and kind == "count":
        return f"{v:.0f}"
    return fmt(v)


def ratio(num, den, kind):
    if num is None or den is None or num == 0 or den == 0 or kind == "count":
        return "n/a"
    r = num / den if kind == "time" else den / num
    return f"{r:.2f}"


# (label, unit, kind, supriya path, raw_udp path, scserver path, raw_udp_rust path)
ROWS = [
    ("boot (median of 5)", "s", "time", ("boot_s", "median"), ("boot_s", "median"), ("boot_s", "median"), ("boot_s", "median")),
    ("quit (median of 5)", "s", "time", ("quit_s", "median"), ("quit_s", "median"), ("quit_s", "median"), ("quit_s", "median")),
    ("/status RTT median", "µs", "time") + (("status_rtt_us", "median"),) * 4,
    ("/status RTT p99", "µs", "time") + (("status_rtt_us", "p99"),) * 4,
    ("/sync RTT median", "µs", "time") + (("sync_rtt_us", "median"),) * 4,
    ("/sync RTT p99", "µs", "time") + (("sync_rtt_us", "p99"),) * 4,
    ("10k /n_set send rate (scserver: send() returned; floors: datagram sent)", "msg/s", "rate") + (("nset_throughput", "send_msgs_per_s"),) * 4,
    ("10k /n_set send + /sync rate", "msg/s", "rate") + (("nset_throughput", "send_and_sync_msgs_per_s"),) * 4,
    ("1000 concurrent /status (gather; floors pipelined)", "ms", "time", ("async_gather", "gather_status_ms"), ("async_gather", "pipelined_status_ms"), ("async_gather", "gather_status_ms"), ("async_gather", "pipelined_status_ms")),
    ("1000 concurrent /sync", "ms", "time", ("async_gather", "gather_sync_ms"), ("async_gather", "pipelined_sync_ms"), ("async_gather", "gather_sync_ms"), ("async_gather", "pipelined_sync_ms")),
    ("1000 concurrent /sync: lost", "count", "count", ("async_gather", "gather_sync_errors"), ("async_gather", "pipelined_sync_missing"), ("async_gather", "gather_sync_errors"), ("async_gather", "pipelined_sync_missing")),
    ("10,000 concurrent /sync", "ms", "time", None, None, ("concurrent_10k", "gather_sync_ms"), ("concurrent_10k", "pipelined_sync_ms")),
    ("10,000 concurrent /sync: lost", "count", "count", None, None, ("concurrent_10k", "gather_sync_errors"), ("concurrent_10k", "pipelined_sync_missing")),
    ("query_tree 500 groups (median of 5)", "ms", "time") + (("query_tree_500", "median_ms"),) * 4,
    ("query_tree 2000 groups (supriya: AsyncServer)", "ms", "time", ("async_query_tree_2000", "median_ms"), ("query_tree_2000", "median_ms"), ("query_tree_2000", "median_ms"), ("query_tree_2000", "median_ms")),
    ("client RSS, 1 server booted", "MB", "time") + (("rss_mb", "booted_mb"),) * 4,
    ("client RSS, 16 servers booted", "MB", "time", None, None, ("rss16_mb", "booted_mb"), None),
    ("boot 4 servers concurrently", "s", "time", ("boot4_concurrent", "boot_s"), None, ("boot4_concurrent", "boot_s"), None),
    ("quit 4 servers concurrently", "s", "time", ("boot4_concurrent", "quit_s"), None, ("boot4_concurrent", "quit_s"), None),
    ("boot 16 servers concurrently", "s", "time", None, None, ("boot16_concurrent", "boot_s"), None),
    ("crash (SIGKILL) seen", "ms", "time", ("crash_detect", "detect_ms"), ("crash_detect", "detect_ms"), ("crash_detect", "detect_ms"), None),
    ("hang (SIGSTOP) seen", "ms", "time", ("hang_detect", "detect_ms"), None, ("hang_detect", "detect_ms"), None),
]


def main():
    peer = json.load(open(sys.argv[1]))
    ours = json.load(open(sys.argv[2]))
    sides = [peer.get("supriya", {}), peer.get("raw_udp", {}), ours.get("scserver", {}), ours.get("raw_udp_rust", {})]
    print(f"JACK {ours.get('meta', {}).get('jack') or peer.get('meta', {}).get('jack')}; "
          f"{peer.get('meta', {}).get('cpus')} CPUs; supriya {peer.get('meta', {}).get('supriya')}\n")
    print("| workload | unit | supriya | Python floor | **scserver** | Rust floor | scserver / Rust floor | supriya / scserver |")
    print("|---|---|---|---|---|---|---|---|")
    for label, unit, kind, *paths in ROWS:
        vals = [get(side, *p) if p else None for side, p in zip(sides, paths)]
        s, p, o, f = (fmt_kind(v, kind) for v in vals)
        print(f"| {label} | {unit} | {s} | {p} | **{o}** | {f} | "
              f"{ratio(vals[2], vals[3], kind)} | {ratio(vals[0], vals[2], kind)} |")
    errors = [f"{name}.{k}: {v['error']}" for name, side in zip(["supriya", "raw_udp", "scserver", "raw_udp_rust"], sides)
              for k, v in side.items() if isinstance(v, dict) and "error" in v]
    if errors:
        print("\nerrors: " + "; ".join(f"`{e}`" for e in errors))


if __name__ == "__main__":
    main()
