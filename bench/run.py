"""Run mxgrad's benchmark suite against its peers and print medians and ratios.

    .venv/bin/python bench/run.py                      # every workload, every peer found
    .venv/bin/python bench/run.py --json               # the same, as one JSON document
    .venv/bin/python bench/run.py --write              # and rewrite bench/RESULTS.md
    .venv/bin/python bench/run.py --peers mxgrad,torch --workloads tape-overhead --rounds 1

Every (peer, workload) measurement runs in its own process, under the peer's interpreter
(``workloads.py`` does the measuring). Peers alternate: each round runs every workload once
per peer, the peers in turn, with the order rotated from round to round, so that slow drifts
of a shared machine hit every peer alike. Ratios are ``mxgrad / peer`` for rates and
``peer / mxgrad`` for times: above 1 always means mxgrad is better.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from workloads import WORKLOADS          # noqa: E402  (this folder is not a package)

PEERS = ("mxgrad", "mxnet", "torch", "torch-cuda", "numpy", "opencl")
# torch-cuda only where asked for (--peers): on a GPU machine, with MXGRAD_CTX=gpu(0).
DEFAULT_PEERS = tuple(p for p in PEERS if p != "torch-cuda")
PEER_ABOUT = {
    "mxgrad": "this checkout, OpenCL",
    "mxnet": "Apache MXNet, same adapter code as mxgrad",
    "torch": "PyTorch eager, CPU",
    "torch-cuda": "PyTorch eager, CUDA",
    "numpy": "hand-written NumPy (a reference bar, no autograd)",
    "opencl": "raw pyopencl float4 copy kernel: the bandwidth limit",
}
RATIO_PEERS = ("mxnet", "torch", "torch-cuda", "numpy")
# Copy limit first: the rows measured as a fraction of it run right after it.
ORDER = ("tape-overhead", "small-mlp-step", "mid-mlp-step", "lstm-step", "cnn-step-32",
         "cnn-step-128", "cnn-gluon-step-32", "copy-limit", "elementwise",
         "elementwise-fwd-bwd", "sum", "matmul", "start-warm", "start-cold")
LIMITED = ("elementwise", "elementwise-fwd-bwd", "sum")      # reported against copy-limit
RESULTS = os.path.join(HERE, "RESULTS.md")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--peers", default=",".join(DEFAULT_PEERS),
                   help=f"comma-separated, from {', '.join(PEERS)} "
                        f"(default: {', '.join(DEFAULT_PEERS)})")
    p.add_argument("--workloads", default=",".join(ORDER),
                   help=f"comma-separated, from {', '.join(ORDER)} (default: all)")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    p.add_argument("--repeats", type=int, default=5, help="timed loops per measurement")
    p.add_argument("--target", type=float, default=0.3, help="seconds per timed loop")
    p.add_argument("--warmup", type=int, default=3, help="untimed calls before timing")
    p.add_argument("--start-repeats", type=int, default=3,
                   help="interpreters timed per start-* measurement")
    p.add_argument("--mxgrad-python", default=os.environ.get("BENCH_MXGRAD_PYTHON", sys.executable),
                   help="interpreter for mxgrad, numpy and opencl (default: this one)")
    p.add_argument("--mxnet-python",
                   default=os.environ.get("BENCH_MXNET_PYTHON", "/tmp/mxref/bin/python"),
                   help="interpreter with mxnet 1.9.1 (env BENCH_MXNET_PYTHON)")
    p.add_argument("--torch-python", default=os.environ.get("BENCH_TORCH_PYTHON"),
                   help="interpreter with torch (env BENCH_TORCH_PYTHON; default: mxgrad's)")
    p.add_argument("--timeout", type=float, default=600, help="seconds allowed per measurement")
    p.add_argument("--json", action="store_true", help="print one JSON document, no table")
    p.add_argument("--write", action="store_true", help=f"rewrite {os.path.relpath(RESULTS)}")
    args = p.parse_args(argv)
    args.peers = [s for s in args.peers.split(",") if s]
    args.workloads = [s for s in args.workloads.split(",") if s]
    for name, known in (("peer", PEERS), ("workload", ORDER)):
        for s in getattr(args, name + "s"):
            if s not in known:
                p.error(f"unknown {name} {s!r}; known: {', '.join(known)}")
    if "mxgrad" not in args.peers:
        p.error("mxgrad must be among --peers: every ratio is taken against it")
    return args


def log(text):
    print(text, file=sys.stderr, flush=True)


def interpreter(args, peer):
    if peer == "mxnet":
        return args.mxnet_python
    if peer in ("torch", "torch-cuda"):
        return args.torch_python or args.mxgrad_python
    return args.mxgrad_python


def child(args, peer, *flags):
    """Run workloads.py for one peer; returns (record or None, note about what went wrong)."""
    cmd = [interpreter(args, peer), os.path.join(HERE, "workloads.py"), "--peer", peer, *flags]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except FileNotFoundError:
        return None, f"interpreter {cmd[0]} not found"
    except subprocess.TimeoutExpired:
        return None, f"timed out after {args.timeout:.0f} s"
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    record = json.loads(lines[-1]) if lines else None
    note = ""
    if proc.returncode:
        tail = proc.stderr.strip().splitlines()[-1:] or [""]
        note = f"exit code {proc.returncode}" + (f": {tail[0][-300:]}" if tail[0] else "")
    return record, note


def probe_peers(args):
    """Which peers run here: {peer: probe record}, and {peer: why not}."""
    found, missing = {}, {}
    for peer in args.peers:
        record, note = child(args, peer, "--probe")
        if record is None:
            missing[peer] = note or "probe printed nothing"
        else:
            found[peer] = record
    return found, missing


def measure_all(args, found):
    """Every round: every workload, the available peers in turn (order rotated per round)."""
    peers = [p for p in args.peers if p in found]
    workloads = [w for w in ORDER if w in args.workloads]
    timing = ["--repeats", str(args.repeats), "--target", str(args.target),
              "--warmup", str(args.warmup), "--start-repeats", str(args.start_repeats)]
    records = []
    for rnd in range(args.rounds):
        turn = peers[rnd % len(peers):] + peers[:rnd % len(peers)]
        for w in workloads:
            for peer in turn:
                if w not in found[peer]["workloads"]:
                    continue
                start = time.perf_counter()
                record, note = child(args, peer, "--workload", w, *timing)
                if record is None:
                    record = {"peer": peer, "workload": w, "error": note}
                elif note:
                    record["exit"] = note         # it printed a result, then failed to exit
                record["round"] = rnd + 1
                records.append(record)
                log(f"[round {rnd + 1}/{args.rounds}] {peer:7s} {w:20s} "
                    f"{brief(record)}  ({time.perf_counter() - start:.0f} s)")
    return records


def brief(record):
    if "error" in record:
        return "ERROR " + record["error"][:120]
    if "skipped" in record:
        return "skipped"
    med = statistics.median(record["samples"])
    bad = "" if record["check"]["ok"] else "  CHECK FAILED"
    return f"{fmt(med)} {record['unit']}{bad}"


def fmt(v):
    if v is None:
        return "-"
    if v >= 1000:
        return f"{v:.0f}"
    return f"{v:.3g}"


def summarize(records):
    """Per workload and peer: pooled median over every sample of every round, and checks."""
    cells = {}
    for r in records:
        if "skipped" in r:
            continue
        c = cells.setdefault((r["workload"], r["peer"]),
                             {"samples": [], "round_medians": [], "errors": [], "checks": [],
                              "exit": [], "ms": []})
        if "error" in r:
            c["errors"].append(r["error"])
            continue
        c["samples"] += r["samples"]
        c["round_medians"].append(statistics.median(r["samples"]))
        c["checks"].append(r["check"])
        if "exit" in r:
            c["exit"].append(r["exit"])
        c["ms"].append(r["ms_per_call"])
    for c in cells.values():
        s = c["samples"]
        c["median"] = statistics.median(s) if s else None
        c["ms_per_call"] = statistics.median(c.pop("ms")) if s else None
        c["min"], c["max"] = (min(s), max(s)) if s else (None, None)
        c["check_ok"] = all(k["ok"] for k in c["checks"]) if c["checks"] else None
        c["check_err"] = max((k["err"] for k in c["checks"]), default=None)
        c["check_what"] = c["checks"][0]["what"] if c["checks"] else None
    summary = []
    limit = cells.get(("copy-limit", "opencl"), {}).get("median")
    for w in ORDER:
        peers = {p: cells[w, p] for p in PEERS if (w, p) in cells}
        if not peers:
            continue
        wl = WORKLOADS[w]
        mine = peers.get("mxgrad", {}).get("median")
        ratios = {}
        for p, c in peers.items():
            if p in RATIO_PEERS and mine and c["median"]:
                ratios[p] = (mine / c["median"] if wl.better == "higher"
                             else c["median"] / mine)
        row = {"workload": w, "unit": wl.unit, "better": wl.better, "about": wl.about,
               "peers": {p: {k: v for k, v in c.items() if k not in ("samples", "checks")}
                         for p, c in peers.items()},
               "ratios": ratios}
        if w in LIMITED and mine and limit:
            row["fraction_of_copy_limit"] = mine / limit
        summary.append(row)
    return summary


def value_cell(c):
    if c is None:
        return "-"
    if c["median"] is None:
        return "error"
    mark = "" if c["check_ok"] else " (wrong)"
    return fmt(c["median"]) + mark


def table(summary, peers):
    shown = [p for p in RATIO_PEERS if p in peers]
    head = ["workload", "unit", "mxgrad"]
    for p in shown:
        head += [p, f"vs {p}"]
    with_limit = any("fraction_of_copy_limit" in row for row in summary)
    if with_limit:
        head.append("mxgrad / copy limit")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in summary:
        if row["workload"] == "copy-limit":
            continue
        cells = row["peers"]
        unit = row["unit"] + (" (lower is better)" if row["better"] == "lower" else "")
        out = [row["workload"], unit, value_cell(cells.get("mxgrad"))]
        for p in shown:
            r = row["ratios"].get(p)
            out += [value_cell(cells.get(p)), f"**{r:.2f}**" if r else "-"]
        if with_limit:
            f = row.get("fraction_of_copy_limit")
            out.append(f"{100 * f:.0f} %" if f else "")
        lines.append("| " + " | ".join(out) + " |")
    return "\n".join(lines)


def limit_line(summary, found):
    for row in summary:
        if row["workload"] == "copy-limit":
            c = row["peers"]["opencl"]
            if c["median"] is None:
                return "OpenCL copy limit: error (" + "; ".join(c["errors"])[:300] + ")"
            dev = found.get("opencl", {}).get("info", {}).get("device", "?")
            return (f"OpenCL copy limit on {dev}: {fmt(c['median'])} GB/s "
                    f"[{fmt(c['min'])}-{fmt(c['max'])}] (float4 copy kernel, 8 B/elem, this run)")
    return ""


def gluon_line(summary):
    """mxgrad's CNN step written with Gluon against the same step written with mx.nd."""
    medians = {row["workload"]: row["peers"].get("mxgrad", {}).get("median") for row in summary}
    nd, gluon = medians.get("cnn-step-32"), medians.get("cnn-gluon-step-32")
    if not (nd and gluon):
        return ""
    return (f"Gluon's cost on mxgrad: the CNN step at batch 32 written with gluon.nn, gluon.loss "
            f"and a Trainer ({fmt(gluon)} steps/s) takes {100 * (nd / gluon - 1):+.1f} % time per "
            f"step against mx.nd ops and sgd_update ({fmt(nd)} steps/s), this run")


def problems(summary, missing):
    """Peers skipped, measurements that failed, and results that did not match the reference."""
    notes = [f"{p} skipped: {why}" for p, why in missing.items()]
    for row in summary:
        for p, c in row["peers"].items():
            for e in dict.fromkeys(c["errors"]):
                notes.append(f"{p} {row['workload']}: {e}")
            for e in dict.fromkeys(c["exit"]):
                notes.append(f"{p} {row['workload']}: measured, then {e}")
            if c["check_ok"] is False:
                notes.append(f"{p} {row['workload']}: WRONG RESULT, {c['check_what']} "
                             f"{c['check_err']:.3g} against the float64 reference")
    return notes


def machine():
    """CPU model (with family/model numbers where the name is generic), cores, memory."""
    model = platform.processor() or platform.machine()
    mem = None
    try:
        fields = {}
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
        if "model name" in fields:
            model = (f"{fields['model name']} (family {fields.get('cpu family', '?')}, "
                     f"model {fields.get('model', '?')})")
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) / (1 << 20)
    except OSError:
        pass
    text = f"{model}, {os.cpu_count()} cores"
    return text + (f", {mem:.0f} GiB RAM" if mem else "")


def load_average():
    try:
        return "%.1f" % os.getloadavg()[0]
    except OSError:
        return "?"


def meta(args, found, missing, load_before):
    mx = found.get("mxgrad", {})
    info = mx.get("info", {})
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_average": f"{load_before} before, {load_average()} after (1-minute)",
        "device": f"{info.get('device', '?')} [{info.get('platform', '?')}], "
                  f"{info.get('compute_units', '?')} compute units",
        "env": mx.get("env", {}),
        "peers": {p: {"version": r["info"].get("version"), "python": interpreter(args, p),
                      "device": r["info"].get("device")} for p, r in found.items()},
        "missing": missing,
        "settings": {k: getattr(args, k) for k in ("rounds", "repeats", "target", "warmup",
                                                    "start_repeats")},
        "command": "bench/run.py " + " ".join(sys.argv[1:]),
    }


def details(summary):
    lines = ["| workload | peer | median | min - max | per-round medians | check | ms/call |",
             "|---|---|---:|---:|---|---|---:|"]
    for row in summary:
        for p, c in row["peers"].items():
            if c["median"] is None:
                lines.append(f"| {row['workload']} | {p} | error | | | | |")
                continue
            rounds = ", ".join(fmt(v) for v in c["round_medians"])
            chk = f"{c['check_what']} {c['check_err']:.2g}" + ("" if c["check_ok"] else " FAIL")
            lines.append(f"| {row['workload']} | {p} | {fmt(c['median'])} {row['unit']} | "
                         f"{fmt(c['min'])} - {fmt(c['max'])} | {rounds} | {chk} | "
                         f"{c['ms_per_call']:.4g} |")
    return "\n".join(lines)


def results_markdown(m, summary, found, notes):
    peers = "\n".join(f"* {p} {v['version']}: {PEER_ABOUT[p]} (`{v['python']}`)"
                      for p, v in m["peers"].items())
    env = ", ".join(f"{k}={v}" for k, v in m["env"].items()) or "none set"
    s = m["settings"]
    return f"""# mxgrad benchmark results

Written by `{m['command']}` (see README.md for what each workload does).
Ratios are mxgrad's advantage: **above 1 means mxgrad is better** (rate ratio mxgrad/peer,
time ratio peer/mxgrad), taken between pooled medians of the same run.

* Date: {m['date']}
* Machine: {m['machine']}; load average {m['load_average']}
* OpenCL device (mxgrad's default context): {m['device']}
* Thread and device variables: {env}
* Settings: {s['rounds']} alternating rounds; per measurement {s['warmup']} warm-up calls and
  {s['repeats']} timed loops of about {s['target']} s (start-up: {s['start_repeats']} interpreters)

Peers:
{peers}

{table(summary, found)}

{limit_line(summary, found)}

{gluon_line(summary)}

Problems seen in this run:
{chr(10).join('* ' + n for n in notes) or '* none'}

## Every measurement

Median and min - max pool every timed loop of every round; "per-round medians" shows the
drift between rounds. The check is the largest error against a float64 NumPy reference.

{details(summary)}
"""


def main(argv=None):
    args = parse_args(argv)
    load_before = load_average()
    found, missing = probe_peers(args)
    for p, why in missing.items():
        log(f"skipping {p}: {why}")
    if "mxgrad" not in found:
        log("mxgrad itself does not run; nothing to compare")
        return 1
    records = measure_all(args, found)
    summary = summarize(records)
    notes = problems(summary, missing)
    m = meta(args, found, missing, load_before)
    if args.json:
        print(json.dumps({"meta": m, "summary": summary, "records": records}, indent=1))
    else:
        print(f"{m['date']}  {m['machine']}, load average {m['load_average']}\n"
              f"OpenCL device: {m['device']}")
        print("Ratios: above 1 means mxgrad is better (rates mxgrad/peer, times peer/mxgrad).\n")
        print(table(summary, found))
        print("\n" + limit_line(summary, found) if limit_line(summary, found) else "")
        print("\n" + gluon_line(summary) if gluon_line(summary) else "")
        for n in notes:
            print("* " + n)
    if args.write:
        with open(RESULTS, "w") as f:
            f.write(results_markdown(m, summary, found, notes))
        log(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
