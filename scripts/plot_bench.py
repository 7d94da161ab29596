#!/usr/bin/env python3
"""Turns the benchmark results of scripts/bench.sh into BENCHMARKS.md and a plot.

Reads bench/results/raw.txt (go test -bench output of several rounds, one
sample per benchmark and round) and bench/results/env.txt, computes medians,
spreads and paired ratios, draws bench/results/benchmarks.png and fills the
placeholders of bench/BENCHMARKS.md.tmpl. Every figure of BENCHMARKS.md comes
from here; none is typed by hand.

Statistics: for one benchmark and metric, the median of its samples and
their range [min-max]. A ratio of two implementations pairs the samples of
the same round (they ran one right after the other) and gives the median
of the per-round ratios and their range; with n rounds that range is a
1 - 2/2**n confidence interval for the median (sign test), which the
listing verdict uses, next to benchstat's p-values and confidence
intervals read from bench/results/benchstat-list.txt.
"""

import argparse
import os
import re
import statistics
import sys
from collections import OrderedDict, defaultdict

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# ----------------------------------------------------------------------
# Reading


def read_raw(path):
    """Returns {name: [ {unit: value}, ... ]} in the order of the rounds."""
    data = OrderedDict()
    for line in open(path, encoding="utf-8"):
        if not line.startswith("Benchmark"):
            continue
        f = line.split()
        if len(f) < 4 or not f[1].isdigit():
            continue
        name = re.sub(r"-\d+$", "", f[0][len("Benchmark"):])
        sample = {"N": float(f[1])}
        for i in range(2, len(f) - 1, 2):
            try:
                sample[f[i + 1]] = float(f[i])
            except ValueError:
                pass
        data.setdefault(name, []).append(sample)
    return data


def read_env(path):
    env = OrderedDict()
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            k, _, v = line.partition(":")
            if v:
                env[k.strip()] = v.strip()
    return env


class Results:
    def __init__(self, data):
        self.data = data

    def has(self, name):
        return name in self.data

    def values(self, name, unit):
        if name not in self.data:
            raise KeyError(f"no results for benchmark {name}")
        return [s[unit] for s in self.data[name] if unit in s]

    def stat(self, name, unit):
        """(median, min, max, n) of a metric."""
        v = self.values(name, unit)
        if not v:
            raise KeyError(f"no {unit} for {name}")
        return statistics.median(v), min(v), max(v), len(v)

    def ratio(self, a, b, unit):
        """Paired per-round ratios a/b: (median, min, max, n)."""
        va, vb = self.values(a, unit), self.values(b, unit)
        r = [x / y for x, y in zip(va, vb) if y]
        if not r:
            raise KeyError(f"no pairs for {a} / {b} ({unit})")
        return statistics.median(r), min(r), max(r), len(r)


def read_benchstat(path):
    """Returns {(unit, name): {"ci": percent or None, "p": float, "n": int,
    "delta": str}} from a benchstat table with two columns (base and one
    other): the 95% confidence interval of the second column's median
    (benchstat's "± x%"), and the p-value and sample count of the
    comparison. Benchmark names lose their -GOMAXPROCS suffix."""
    out = {}
    if not os.path.exists(path):
        return out
    unit = None
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.split("│")]
        if len(cells) >= 3 and cells[0] == "" and cells[1] and not cells[1].startswith("vs"):
            # "│ sec/op │ sec/op vs base │": the units row; the name row
            # above it has the column names instead, which do not parse as
            # a unit followed by nothing else.
            if re.fullmatch(r"[\w/.%-]+", cells[1]):
                unit = cells[1]
            continue
        m = re.match(r"(\S+?)(?:-\d+)?\s+(.*)$", line.rstrip())
        if not m or unit is None or m.group(1) in ("geomean", "goos:", "goarch:", "pkg:", "cpu:"):
            continue
        rest = m.group(2)
        cis = re.findall(r"± +(∞|[\d.]+)%", rest)
        pm = re.search(r"\(p=([\d.]+) n=(\d+)", rest)
        if not pm:
            continue
        dm = re.search(r"\s(~|[+-][\d.]+%)\s+\(p=", rest)
        ci = cis[-1] if cis else None
        out[(unit, m.group(1))] = {
            "ci": None if ci in (None, "∞") else float(ci),
            "ci_base": None if not cis or cis[0] == "∞" else float(cis[0]),
            "p": float(pm.group(1)), "n": int(pm.group(2)),
            "delta": dm.group(1) if dm else "?",
        }
    return out


# ----------------------------------------------------------------------
# Formatting


def fmt_num(v, digits=3):
    if v == int(v) and abs(v) < 1e6:
        return f"{int(v):,}"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits - 1}f}" if a >= 1 else f"{v:.{digits}f}"


def fmt_time(ns):
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.1f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def fmt_bytes(b):
    if b >= 1 << 30:
        return f"{b / (1 << 30):.2f} GiB"
    if b >= 1 << 20:
        return f"{b / (1 << 20):.1f} MiB"
    if b >= 1 << 10:
        return f"{b / (1 << 10):.1f} KiB"
    return f"{b:.0f} B"


def fmt_count(c):
    if c >= 1e6:
        return f"{c / 1e6:.2f} M"
    if c >= 1e4:
        return f"{c / 1e3:.1f} k"
    return fmt_num(c)


def short_n(n):
    """1000 -> 1k, 500 -> 500."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def parse_duration_ns(s):
    """Nanoseconds of a Go duration such as "100ms" or "1s", or None."""
    m = re.fullmatch(r"([0-9.]+)(ns|us|µs|ms|s|m)", s)
    if not m:
        return None
    return float(m.group(1)) * {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9}[m.group(2)]


def spread(st, f):
    med, lo, hi, _ = st
    if lo == hi:
        return f(med)
    return f"{f(med)} [{f(lo)} – {f(hi)}]"


def fmt_ratio(st, digits=3):
    med, lo, hi, _ = st
    return f"{med:.{digits}f} [{lo:.{digits}f} – {hi:.{digits}f}]"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def yes(ok):
    return "**met**" if ok else "**not met**"


# ----------------------------------------------------------------------
# The five sections


def listing(res, fig_ax, bs):
    rows, bars, verdicts, cases_out = [], [], [], []
    cases = []
    for name in res.data:
        m = re.match(r"List/src=(\w+)/n=(\d+)/impl=sdk$", name)
        if m:
            cases.append((m.group(1), int(m.group(2))))
    for src, n in cases:
        sdk, it = f"List/src={src}/n={n}/impl=sdk", f"List/src={src}/n={n}/impl=iter"
        t = res.ratio(it, sdk, "ns/op")
        bb = res.ratio(it, sdk, "B/op")
        al = res.ratio(it, sdk, "allocs/op")
        cpu = res.ratio(it, sdk, "cpu-ms/op")
        ok = t[0] <= 1.05 and al[0] <= 1.05
        verdicts.append(ok)
        key = f"List/src={src}/n={n}"
        pt, pc = bs.get(("sec/op", key)), bs.get(("cpu-ms/op", key))
        rows.append([
            src, f"{n:,}",
            spread(res.stat(sdk, "ns/op"), fmt_time), spread(res.stat(it, "ns/op"), fmt_time),
            fmt_ratio(t), fmt_ratio(cpu), fmt_ratio(bb), fmt_ratio(al),
            f"{pt['p']:.2f} / {pc['p']:.2f}" if pt and pc else "–",
            f"{fmt_num(res.stat(sdk, 'req/op')[0])} / {fmt_num(res.stat(it, 'req/op')[0])}",
            res.stat(it, "ns/op")[3], yes(ok),
        ])
        bars.append((f"{src}\n{short_n(n)}", t, cpu, bb, al))
        cases_out.append({"label": f"{src} {n:,}", "key": key, "time": t, "cpu": cpu, "bytes": bb, "allocs": al})
    tab = table(["endpoint", "instances", "SDK loop: time", "Iter: time", "time ratio Iter/SDK",
                 "CPU ratio", "B/op ratio", "allocs/op ratio", "benchstat p (time / CPU)",
                 "requests SDK / Iter", "rounds", "target ≤ 1.05"], rows)

    ax = fig_ax
    width = 0.2
    for k, (label, color) in enumerate([("time", "#1f77b4"), ("CPU", "#9467bd"), ("B/op", "#ff7f0e"), ("allocs/op", "#2ca02c")]):
        xs = [i + (k - 1.5) * width for i in range(len(bars))]
        meds = [b[1 + k][0] for b in bars]
        err = [[b[1 + k][0] - b[1 + k][1] for b in bars], [b[1 + k][2] - b[1 + k][0] for b in bars]]
        ax.bar(xs, meds, width, yerr=err, capsize=3, label=label, color=color)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.axhline(1.05, color="red", lw=1, ls="--", label="target 1.05")
    ax.set_xticks(range(len(bars)))
    ax.set_xticklabels([b[0] for b in bars])
    lo = min(min(b[k][1] for k in range(1, 5)) for b in bars)
    hi = max(max(b[k][2] for k in range(1, 5)) for b in bars)
    ax.set_ylim(min(0.85, lo - 0.02), max(1.15, hi + 0.02))
    ax.set_ylabel("Iter / SDK loop (paired, median; bars: range)")
    ax.set_title("1. Listing overhead: Collection.Iter vs SDK paginator")
    ax.legend(fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    return tab, all(verdicts), cases_out


def sign_test_confidence(n):
    """The confidence that the median of n independent samples lies
    between their minimum and maximum (sign test): 1 - 2 / 2**n."""
    return 1 - 2 * 0.5 ** n


def and_list(items):
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def span(vals, digits=3):
    lo, hi = min(vals), max(vals)
    return f"{lo:.{digits}f}" if f"{lo:.{digits}f}" == f"{hi:.{digits}f}" else f"{lo:.{digits}f} – {hi:.{digits}f}"


def p_range(ps):
    lo, hi = min(ps), max(ps)
    return f"p = {lo:.2f}" if lo == hi else f"p = {lo:.2f} – {hi:.2f}"


def list_verdict(ok, cases, bs):
    """The verdict of section 1, with what the spread of the data allows
    to conclude."""
    if not cases:
        return "not measured."
    out = [f"{yes(ok)} on the medians: the median of the paired time ratios is at most "
           f"{max(c['time'][0] for c in cases):.3f} and of the allocation ratios at most "
           f"{max(c['allocs'][0] for c in cases):.3f}, at every size."]
    n = min(c["time"][3] for c in cases)
    conf = sign_test_confidence(n)
    tight = [c for c in cases if max(c["time"][2], c["cpu"][2]) <= 1.05]
    loose = [c for c in cases if c not in tight]
    s = (f"What the data supports beyond the medians: with {n} rounds, the range of the per-round ratios is a "
         f"{conf:.0%} confidence interval for their median (sign test, taking the rounds as independent).")
    if tight:
        s += (" It rules out an overhead above 5% in time and CPU time " + ("only " if loose else "") + "at "
              + and_list([c["label"] for c in tight]) + ".")
    if loose:
        s += " At " + "; at ".join(
            f"{c['label']} it spans {c['time'][1]:.3f} – {c['time'][2]:.3f} for time and "
            f"{c['cpu'][1]:.3f} – {c['cpu'][2]:.3f} for CPU time" for c in loose)
        s += (f", so at {'that size' if len(loose) == 1 else 'those sizes'} these runs neither exclude an overhead "
              "above 5% nor show any: the difference between the two sides is within this machine's noise.")
    out.append(s)
    stat, none = [], []
    for unit, what in [("sec/op", "time"), ("cpu-ms/op", "CPU time")]:
        got = [(c, bs[(unit, c["key"])]) for c in cases if (unit, c["key"]) in bs]
        if not got:
            continue
        sig = [(c, b) for c, b in got if b["p"] < 0.05]
        if not sig:
            none.append(f"{what} ({p_range([b['p'] for _, b in got])}, n = {got[0][1]['n']})")
        else:
            stat.append(f"a significant difference in {what} at " + and_list([
                f"{c['label']} ({b['delta']}, p = {b['p']:.3f})" for c, b in sig])
                + (f" and none elsewhere ({p_range([b['p'] for c, b in got if b['p'] >= 0.05])})"
                   if len(sig) < len(got) else ""))
    if none:
        stat.insert(0, "no significant difference between the two sides in " + " or ".join(none) + " at any size")
    cis = [(c, bs[("sec/op", c["key"])]) for c in cases if ("sec/op", c["key"]) in bs]
    if stat:
        s = "benchstat, which compares the two sides' samples without pairing them, finds " + "; and ".join(stat)
        if cis and all(b["ci"] is not None and b["ci_base"] is not None for _, b in cis):
            s += ("; the 95% confidence intervals it gives for the time medians (SDK loop / Iter) are "
                  + ", ".join(f"±{b['ci_base']:.0f}% / ±{b['ci']:.0f}% at {c['label']}" for c, b in cis))
        out.append(s + ".")
    al = [c["allocs"][0] for c in cases]
    bb = [c["bytes"][0] for c in cases]
    s = (f"Allocations per listing: {span(al)} times the SDK loop's (median ratios); bytes allocated: "
         f"{span(bb)} times")
    bsig = [(c, bs[("B/op", c["key"])]) for c in cases if ("B/op", c["key"]) in bs and bs[("B/op", c["key"])]["p"] < 0.05]
    if bsig:
        s += " (a significant difference at " + "; ".join(f"{c['label']}: {b['delta']}, p = {b['p']:.3f}" for c, b in bsig) + ")"
    out.append(s + ".")
    return " ".join(out)


def memory(res, ax):
    rows = []
    cases = []
    for name in res.data:
        m = re.match(r"StreamMemory/n=(\d+)/impl=(\w+)$", name)
        if m:
            cases.append((int(m.group(1)), m.group(2), name))
    for n, impl, name in cases:
        rows.append([
            impl, f"{n:,}",
            spread(res.stat(name, "page-MB"), lambda v: f"{v:.1f}"),
            spread(res.stat(name, "peak-live-MB"), lambda v: f"{v:.1f}"),
            spread(res.stat(name, "peak-live-pages"), lambda v: f"{v:.2f}"),
            spread(res.stat(name, "peak-heap-MB"), lambda v: f"{v:.1f}"),
            spread(res.stat(name, "peak-RSS-MB"), lambda v: f"{v:.0f}"),
            spread(res.stat(name, "base-RSS-MB"), lambda v: f"{v:.0f}"),
            res.stat(name, "peak-live-MB")[3],
        ])
    tab = table(["impl", "instances", "one page (MiB)", "peak live heap (MiB)", "peak live heap (pages)",
                 "peak heap incl. garbage (MiB)", "peak RSS (MiB)", "RSS before listing (MiB)", "rounds"], rows)

    iters = sorted((n, name) for n, impl, name in cases if impl == "iter")
    verdict, growth = None, None
    if len(iters) >= 2:
        small, big = iters[0], iters[-1]
        live_pages = max(res.stat(name, "peak-live-pages")[0] for _, name in iters)
        live_mb = max(res.stat(name, "peak-live-MB")[0] for _, name in iters)
        heap_pages = max(res.stat(name, "peak-heap-MB")[0] / res.stat(name, "page-MB")[0] for _, name in iters)
        heap_mb = max(res.stat(name, "peak-heap-MB")[0] for _, name in iters)
        growth_live = res.stat(big[1], "peak-live-MB")[0] / res.stat(small[1], "peak-live-MB")[0]
        growth_heap = res.stat(big[1], "peak-heap-MB")[0] / res.stat(small[1], "peak-heap-MB")[0]
        growth = {"n0": small[0], "n1": big[0], "growth_live": growth_live, "growth_heap": growth_heap,
                  "live_pages": live_pages, "live_mb": live_mb, "heap_pages": heap_pages, "heap_mb": heap_mb}
        verdict = live_pages <= 2.5 and growth_heap <= 1.25

    # In pages, on a linear axis, so that the target (two pages) and what
    # meets it are read off directly.
    labels = [f"{impl}\n{short_n(n)}" for n, impl, _ in cases]
    xs = range(len(cases))

    def pages(name, unit):
        page = res.stat(name, "page-MB")[0]
        return tuple(v / page for v in res.stat(name, unit)[:3])

    live = [pages(name, "peak-live-MB") for _, _, name in cases]
    heap = [pages(name, "peak-heap-MB") for _, _, name in cases]
    w = 0.38
    ax.bar([x - w / 2 for x in xs], [s[0] for s in live], w, label="peak live heap",
           yerr=[[s[0] - s[1] for s in live], [s[2] - s[0] for s in live]], capsize=3, color="#1f77b4")
    ax.bar([x + w / 2 for x in xs], [s[0] for s in heap], w, label="peak heap incl. garbage",
           yerr=[[s[0] - s[1] for s in heap], [s[2] - s[0] for s in heap]], capsize=3, color="#aec7e8")
    for x, s in zip(xs, live):
        ax.annotate(f"{s[0]:.2f}", (x - w / 2, s[2]), ha="center", va="bottom", fontsize=7,
                    xytext=(0, 2), textcoords="offset points")
    for x, s in zip(xs, heap):
        ax.annotate(f"{s[0]:.1f}", (x + w / 2, s[2]), ha="center", va="bottom", fontsize=7,
                    xytext=(0, 2), textcoords="offset points")
    page = statistics.median(res.stat(name, "page-MB")[0] for _, _, name in cases)
    ax.axhline(2, color="red", ls="--", lw=1, label=f"target: two pages of live heap ({2 * page:.0f} MiB)")
    ax.set_ylim(0, max(s[2] for s in live + heap) * 1.12)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(labels)
    ax.set_ylabel(f"pages above the baseline (1 page of 1000 instances = {page:.1f} MiB)")
    ax.set_title("2. Memory while listing (canned endpoint)")
    ax.legend(fontsize=7, loc="upper left")
    return tab, verdict, growth


def batch(res, ax):
    lats, impls = [], defaultdict(list)
    for name in res.data:
        m = re.match(r"BatchTerminate/lat=(\w+)/impl=([\w-]+)$", name)
        if m:
            if m.group(1) not in lats:
                lats.append(m.group(1))
            impls[m.group(1)].append(m.group(2))
    pref = ["boto3-ps1000", "boto3-ps100", "ours", "ours-seg1", "floor-seg", "floor-seq"]
    rows, facts = [], OrderedDict()
    for lat in lats:
        order = [i for i in pref if i in impls[lat]] + [i for i in impls[lat] if i not in pref]
        nm = lambda i: f"BatchTerminate/lat={lat}/impl={i}"  # noqa: E731
        base = nm("boto3-ps1000")
        for impl in order:
            name = nm(impl)
            rows.append([
                lat, impl, spread(res.stat(name, "ns/op"), fmt_time),
                spread(res.stat(name, "cpu-ms/op"), lambda v: fmt_time(v * 1e6)),
                f"{fmt_num(res.stat(name, 'describe-req/op')[0])} + {fmt_num(res.stat(name, 'terminate-req/op')[0])}",
                fmt_ratio(res.ratio(base, name, "ns/op"), 2), res.stat(name, "ns/op")[3],
            ])
        f = {"order": order, "speedup": {i: res.ratio(base, nm(i), "ns/op") for i in order}}
        if "floor-seg" in order:
            f["ours_floor_seg"] = res.ratio(nm("ours"), nm("floor-seg"), "ns/op")
        if "ours-seg1" in order and "floor-seq" in order:
            f["seg1_floor_seq"] = res.ratio(nm("ours-seg1"), nm("floor-seq"), "ns/op")
        f["cpu_share"] = res.stat(nm("ours"), "cpu-ms/op")[0] * 1e6 / res.stat(nm("ours"), "ns/op")[0]
        # The library's own floor: three round trips it cannot avoid (the
        # check page, the segments in parallel, the action calls in
        # parallel), each at least the injected latency.
        lat_ns = parse_duration_ns(lat)
        if lat_ns:
            med, lo, hi, n = res.stat(nm("ours"), "ns/op")
            f["ours_rt_floor"] = (3 * lat_ns, (med / (3 * lat_ns), lo / (3 * lat_ns), hi / (3 * lat_ns), n))
        facts[lat] = f
    tab = table(["latency per call", "implementation", "wall time", "CPU time (client + server)",
                 "requests (describe + terminate)", "speed-up over boto3-ps1000", "rounds"], rows)

    allimpls = [i for i in pref if any(i in impls[lat] for lat in lats)]
    w = 0.8 / max(1, len(lats))
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c"]
    for k, lat in enumerate(lats):
        xs, meds, lo, hi = [], [], [], []
        for x, impl in enumerate(allimpls):
            if impl in facts[lat]["speedup"]:
                st = facts[lat]["speedup"][impl]
                xs.append(x + (k - (len(lats) - 1) / 2) * w)
                meds.append(st[0])
                lo.append(st[0] - st[1])
                hi.append(st[2] - st[0])
        ax.bar(xs, meds, w, yerr=[lo, hi], capsize=3, color=colors[k % 3], label=f"{lat} per call")
        for x, v, h in zip(xs, meds, hi):
            ax.annotate(f"{v:.1f}", (x, v + h), ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    ax.axhline(1, color="black", lw=0.8)
    ax.axhline(5, color="red", ls="--", lw=1, label="target 5×")
    ax.set_xticks(range(len(allimpls)))
    ax.set_xticklabels(allimpls, rotation=15, fontsize=8)
    ax.set_ylabel("speed-up over boto3-ps1000 (paired median; bars: range)")
    ax.set_title("3. Terminate 10,000: speed-up over boto3's pattern")
    ax.legend(fontsize=7, loc="upper left")
    return tab, facts


def ec2test(res, ax):
    rows, groups = [], defaultdict(list)
    for name in res.data:
        m = re.match(r"EC2Test/op=([\w-]+)/n=(\d+)$", name)
        if m:
            groups[m.group(1)].append((int(m.group(2)), name))
    linear = {}
    for op, cases in groups.items():
        cases.sort()
        for n, name in cases:
            rows.append([op, f"{n:,}", spread(res.stat(name, "ns/op"), fmt_time),
                         spread(res.stat(name, "ns/instance"), lambda v: fmt_time(v)),
                         fmt_bytes(res.stat(name, "B/op")[0]), fmt_count(res.stat(name, "allocs/op")[0]),
                         fmt_num(res.stat(name, "req/op")[0]), spread(res.stat(name, "N"), fmt_num),
                         res.stat(name, "ns/op")[3]])
        (n0, a), (n1, b) = cases[0], cases[-1]
        growth = res.ratio(b, a, "ns/op")
        linear[op] = (n0, n1, growth, growth[0] / (n1 / n0), res.stat(a, "N")[0], res.stat(b, "N")[0])
    tab = table(["operation", "instances", "time per op", "time per instance", "B/op", "allocs/op", "requests",
                 "ops per round", "rounds"], rows)

    labels, vals, errs = [], [], [[], []]
    for op, cases in groups.items():
        for n, name in sorted(cases):
            s = res.stat(name, "ns/instance")
            labels.append(f"{op}\n{short_n(n)}")
            vals.append(s[0] / 1e3)
            errs[0].append((s[0] - s[1]) / 1e3)
            errs[1].append((s[2] - s[0]) / 1e3)
    ax.bar(range(len(vals)), vals, 0.6, yerr=errs, capsize=3, color=["#2ca02c", "#98df8a", "#8c564b", "#c49c94"][: len(vals)])
    ax.set_xticks(range(len(vals)))
    ax.set_xticklabels(labels)
    ax.set_ylabel("µs per instance (flat = linear)")
    ax.set_title("4. ec2test: cost per instance as the fleet grows")
    return tab, linear


def throttled(res, ax):
    names = []
    for name in res.data:
        m = re.match(r"Throttled/throttle=([\d.]+)$", name)
        if m:
            names.append((float(m.group(1)), name))
    names.sort()
    rows = []
    for rate, name in names:
        rows.append([f"{rate:.0%}", spread(res.stat(name, "ns/op"), fmt_time),
                     spread(res.stat(name, "cpu-ms/op"), lambda v: fmt_time(v * 1e6)),
                     spread(res.stat(name, "req/op"), fmt_num),
                     f"{fmt_num(res.stat(name, 'describe-req/op')[0])} + {fmt_num(res.stat(name, 'terminate-req/op')[0])}",
                     spread(res.stat(name, "throttled/op"), fmt_num), res.stat(name, "ns/op")[3]])
    tab = table(["throttled", "wall time", "CPU time", "requests", "describe + terminate (median)",
                 "answered RequestLimitExceeded", "rounds"], rows)
    facts = {}
    if len(names) == 2:
        facts["rate"] = names[1][0]
        facts["time"] = res.ratio(names[1][1], names[0][1], "ns/op")
        facts["req"] = res.ratio(names[1][1], names[0][1], "req/op")

    labels = [f"{r:.0%} throttled" for r, _ in names]
    st = [res.stat(n, "ns/op") for _, n in names]
    rq = [res.stat(n, "req/op")[0] for _, n in names]
    xs = range(len(names))
    ax.bar(xs, [s[0] / 1e9 for s in st], 0.5, yerr=[[(s[0] - s[1]) / 1e9 for s in st], [(s[2] - s[0]) / 1e9 for s in st]],
           capsize=3, color=["#1f77b4", "#ff7f0e"])
    for x, q, s in zip(xs, rq, st):
        ax.annotate(f"{q:.0f} requests", (x, s[2] / 1e9), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(labels)
    ax.set_ylabel("seconds (median; bars: range)")
    ax.set_title(f"5. Terminate a fleet, {names[-1][0]:.0%} RequestLimitExceeded" if names else "5. Throttling")
    return tab, facts


# ----------------------------------------------------------------------


def short_tree(tree):
    """The tree line of env.txt, short enough for the plot."""
    m = re.search(r"sha256 .* ([0-9a-f]{64})$", tree)
    if m:
        return f"with uncommitted changes, sha256 {m.group(1)[:16]}"
    return tree.split(" (")[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--results", default="bench/results")
    ap.add_argument("--template", default="bench/BENCHMARKS.md.tmpl")
    ap.add_argument("--out", default="BENCHMARKS.md")
    args = ap.parse_args()

    res = Results(read_raw(os.path.join(args.results, "raw.txt")))
    env = read_env(os.path.join(args.results, "env.txt"))
    if not res.data:
        sys.exit("no benchmark results in " + args.results)

    fig, axes = plt.subplots(2, 3, figsize=(17, 10))
    bs_list = read_benchstat(os.path.join(args.results, "benchstat-list.txt"))
    list_tab, list_ok, list_cases = listing(res, axes[0][0], bs_list)
    mem_tab, mem_ok, mem_growth = memory(res, axes[0][1])
    batch_tab, bf = batch(res, axes[0][2])
    ec2_tab, lin = ec2test(res, axes[1][0])
    thr_tab, tf = throttled(res, axes[1][1])
    info = axes[1][2]
    info.axis("off")
    info.text(0, 1, "\n".join([
        "Machine",
        f"  {env.get('go', '?')}",
        f"  {env.get('cores', '?')} cores, {env.get('cpu', '?')}",
        f"  {env.get('memory', '?')}, {env.get('os', '?')}",
        f"  load before/after: {env.get('load-before', '?')} / {env.get('load-after', '?')}",
        "",
        f"{env.get('rounds', '?')} rounds of the suite, {env.get('date', '?')}",
        f"commit {env.get('commit', '?')}",
    ] + ([f"tree: {short_tree(env['tree'])}"] if "tree" in env else []) + [
        "",
        "Every figure: median of the rounds;",
        "bars: range over the rounds; ratios pair",
        "the two samples of the same round.",
        "",
        "Regenerate: make bench",
    ]), va="top", family="monospace", fontsize=9)
    fig.tight_layout()
    png = os.path.join(args.results, "benchmarks.png")
    fig.savefig(png, dpi=100)

    def ratio_s(st, digits=2):
        return f"{st[0]:.{digits}f} (range {st[1]:.{digits}f} – {st[2]:.{digits}f})"

    subs = {
        "ENV": "\n".join(f"| {k} | {v} |" for k, v in env.items()),
        "PLOT": os.path.relpath(png, os.path.dirname(os.path.abspath(args.out)) or "."),
        "LIST_TABLE": list_tab,
        "LIST_VERDICT": list_verdict(list_ok, list_cases, bs_list),
        "MEM_TABLE": mem_tab,
        "BATCH_TABLE": batch_tab,
        "EC2TEST_TABLE": ec2_tab,
        "THROTTLED_TABLE": thr_tab,
    }
    if mem_growth:
        g = mem_growth
        subs["MEM_VERDICT"] = (
            f"{yes(mem_ok)} for the live heap: Iter's peak live heap is at most {g['live_pages']:.2f} pages "
            f"({g['live_mb']:.1f} MiB) at every size. Its peak heap including garbage, what the process actually "
            f"held, is at most {g['heap_pages']:.2f} pages ({g['heap_mb']:.1f} MiB), about "
            f"{g['heap_pages'] / g['live_pages']:.1f} times the live heap, because with `GOGC=100` garbage piles up "
            f"to about the live heap again before the next GC"
            + (f": bounded too, but by about {g['heap_pages']:.0f} pages, not two" if g['growth_heap'] <= 1.25 else "")
            + f". Going from {g['n0']:,} to {g['n1']:,} instances multiplies the peak live heap by "
            f"{g['growth_live']:.2f} and the peak heap including garbage by {g['growth_heap']:.2f}"
            + (": neither grows with N" if max(g['growth_live'], g['growth_heap']) <= 1.25 else ": it grows with N")
            + ". Criterion: a peak live heap of at most 2.5 pages (about two) at every size, and less than 25% growth "
            f"of the peak heap including garbage from the smaller listing to the larger.")
    else:
        subs["MEM_VERDICT"] = "not measured"
    bparts, fparts = [], []
    cores = env.get("cores", "?")
    for i, (lat, f) in enumerate(bf.items()):
        sp = f["speedup"]["ours"]
        bparts.append(f"at {lat} per call, the default Terminate is {ratio_s(sp)} times as fast as the boto3 "
                      f"pattern with page_size(1000)" + (" (the setting of the target)" if i == 0 else ""))
        extra = []
        if "ours-seg1" in f["speedup"]:
            extra.append(f"with `SequentialListing` the speed-up is {ratio_s(f['speedup']['ours-seg1'])}")
        if "ours_floor_seg" in f:
            below = (" (below 1: it reads only IDs and states, where the hand-written floors decode every "
                     "instance with the SDK)") if f["ours_floor_seg"][2] < 1 else ""
            extra.append(f"the default Terminate takes {ratio_s(f['ours_floor_seg'])} times the time of floor-seg"
                         + below)
        if "ours_rt_floor" in f:
            floor_ns, st = f["ours_rt_floor"]
            extra.append(f"its own floor, three round trips of {lat} (the check page, the segments, the action "
                         f"calls), is {fmt_time(floor_ns)}, and it took {ratio_s(st)} times that, the rest being "
                         f"the CPU time of rendering and reading the pages on {cores} cores")
        if "seg1_floor_seq" in f:
            extra.append(f"`SequentialListing` takes {ratio_s(f['seg1_floor_seq'])} times the time of floor-seq")
        extra.append(f"the process used {f['cpu_share']:.2f} s of CPU per second of the default Terminate's "
                     f"wall time (at most {cores} on {cores} cores)")
        fparts.append(f"At {lat} per call, " + "; ".join(extra) + ".")
    first = next(iter(bf.values()))
    subs["BATCH_VERDICT"] = f"{yes(first['speedup']['ours'][0] >= 5)}: " + "; ".join(bparts) + " (target: at least 5)."
    subs["BATCH_FLOOR"] = " ".join(fparts)
    lin_s = []
    for op, (n0, n1, g, per, ops0, ops1) in lin.items():
        txt = (f"`{op}`: {n1 // n0}× the instances cost {ratio_s(g)}× the time, "
               f"{per:.2f}× per instance: {'linear' if per <= 1.25 else 'worse than linear'}")
        if ops0 != ops1:
            txt += (f", though the two sizes ran different numbers of ops (medians of {ops0:,.0f} and {ops1:,.0f} "
                    f"a round), so costs that do not grow with the fleet weigh differently on them")
        lin_s.append(txt)
    subs["EC2TEST_VERDICT"] = "; ".join(lin_s) + "." if lin_s else "not measured"
    if tf:
        subs["THROTTLED_VERDICT"] = (
            f"With {tf['rate']:.0%} of requests throttled the Terminate took {ratio_s(tf['time'])} times as long and sent "
            f"{ratio_s(tf['req'])} times as many requests as without throttling, and every instance was "
            f"terminated (each op checks the fleet and the Result).")
    else:
        subs["THROTTLED_VERDICT"] = "not measured"
    for name in ["list", "memory", "batch", "ec2test", "throttled"]:
        p = os.path.join(args.results, f"benchstat-{name}.txt")
        subs[f"BENCHSTAT_{name.upper()}"] = open(p, encoding="utf-8").read().rstrip() if os.path.exists(p) else "(not run)"

    tmpl = open(args.template, encoding="utf-8").read()

    def fill(m):
        key = m.group(1)
        if key not in subs:
            sys.exit(f"template placeholder {{{{{key}}}}} has no value")
        return subs[key]

    out = re.sub(r"\{\{(\w+)\}\}", fill, tmpl)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(out)
    print(f"wrote {args.out} and {png}", file=sys.stderr)


if __name__ == "__main__":
    main()
