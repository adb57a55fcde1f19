/**
 * Renders the measured part of docs/benchmarks.md from bench/results/*.json (bench/run.ts): the
 * results table (median of the repeated runs of one label), the chart (an SVG written here, no
 * dependency), the request counts and the comparison of engine settings. Only the text between
 * the `<!-- bench:results:begin -->` and `<!-- bench:results:end -->` markers is replaced; the
 * rest of the page is written by hand.
 *
 *   node dist/bench/report.js [--label defaults]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../src/project";
import type { CaseResult, PhaseName, PhaseResult, RunFile } from "./run";

const RESULTS = path.join(projectRoot, "bench", "results");
const DOC = path.join(projectRoot, "docs", "benchmarks.md");
const CHART = path.join(projectRoot, "docs", "benchmarks-time.svg");
const BEGIN = "<!-- bench:results:begin -->";
const END = "<!-- bench:results:end -->";

/** The label `npm run bench` uses and the main table shows. */
export const MAIN_LABEL = "defaults";

const PHASES: readonly PhaseName[] = ["preview-empty", "converge", "preview", "noop-apply", "refresh"];
const PHASE_TITLE: Record<PhaseName, string> = {
  "preview-empty": "preview, empty stack",
  converge: "converge from empty",
  preview: "preview (no refresh)",
  "noop-apply": "no-op apply",
  refresh: "refresh (drift)",
};

export function loadRuns(dir = RESULTS): RunFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as RunFile);
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Cell {
  n: number;
  latencyMs: number;
  cases: CaseResult[];
  loads: number[];
}

/** Cases of one label grouped by (latency, N), with the 1-minute load average of their runs. */
export function cells(runs: readonly RunFile[], label: string): Cell[] {
  const out = new Map<string, Cell>();
  for (const r of runs) {
    if (r.label !== label) continue;
    for (const c of r.cases) {
      const key = `${c.latencyMs}/${c.n}`;
      const cell = out.get(key) ?? { n: c.n, latencyMs: c.latencyMs, cases: [], loads: [] };
      cell.cases.push(c);
      cell.loads.push(r.host.loadBefore[0] ?? Number.NaN, r.host.loadAfter[0] ?? Number.NaN);
      out.set(key, cell);
    }
  }
  return [...out.values()].sort((a, b) => a.latencyMs - b.latencyMs || a.n - b.n);
}

const phaseOf = (c: CaseResult, p: PhaseName): PhaseResult | undefined => c.phases.find((x) => x.phase === p);
const med = (cell: Cell, p: PhaseName, f: (r: PhaseResult) => number): number =>
  median(cell.cases.flatMap((c) => (phaseOf(c, p) ? [f(phaseOf(c, p)!)] : [])));

const fmtS = (s: number) => (Number.isNaN(s) ? "–" : s < 10 ? s.toFixed(1) : s.toFixed(0));
const fmtN = (n: number) => (Number.isNaN(n) ? "–" : Math.round(n).toLocaleString("en-US"));
const mib = (b: number) => (Number.isNaN(b) ? "–" : `${Math.round(b / 2 ** 20).toLocaleString("en-US")}`);

function peak(cell: Cell, role: "engine" | "program" | "provider" | "language-host"): number {
  return median(cell.cases.map((c) => Math.max(0, ...c.phases.map((p) => p.roles[role]?.peakRssBytes ?? 0))));
}

function timeTable(cs: Cell[]): string {
  const head = [
    "| latency | N | objects | resources | " +
      PHASES.map((p) => PHASE_TITLE[p]).join(" | ") +
      " | runs | load (1 min) |",
    `|---|---|---|---|${PHASES.map(() => "---").join("|")}|---|---|`,
  ];
  const rows = cs.map((c) => {
    const first = c.cases[0]!;
    const loads = c.loads.filter((l) => !Number.isNaN(l));
    const load = loads.length ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : "–";
    return `| ${c.latencyMs} ms | ${c.n} | ${fmtN(first.objects.total)} | ${fmtN(first.resources)} | ${PHASES.map((p) => `${fmtS(med(c, p, (r) => r.seconds))} s`).join(" | ")} | ${c.cases.length} | ${load} |`;
  });
  return [...head, ...rows].join("\n");
}

function requestTable(cs: Cell[]): string {
  const head = [
    `| latency | N | objects | ${PHASES.map((p) => `${PHASE_TITLE[p]} (reads / writes)`).join(" | ")} | refresh reads per object |`,
    `|---|---|---|${PHASES.map(() => "---").join("|")}|---|`,
  ];
  const rows = cs.map((c) => {
    const objects = c.cases[0]!.objects.total;
    const cellsText = PHASES.map(
      (p) => `${fmtN(med(c, p, (r) => r.reads))} / ${fmtN(med(c, p, (r) => r.writes))}`,
    ).join(" | ");
    const perObject = med(c, "refresh", (r) => r.reads) / objects;
    return `| ${c.latencyMs} ms | ${c.n} | ${fmtN(objects)} | ${cellsText} | ${Number.isNaN(perObject) ? "–" : perObject.toFixed(2)} |`;
  });
  return [...head, ...rows].join("\n");
}

function memoryTable(cs: Cell[]): string {
  const head = [
    "| latency | N | engine (`pulumi`) | program (node) | provider (node) | language host | engine CPU, converge | program CPU, converge | provider CPU, converge | emulator CPU, converge |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const rows = cs.map((c) => {
    const cpu = (role: "engine" | "program" | "provider" | "emulator") =>
      `${fmtS(med(c, "converge", (r) => r.roles[role]?.cpuSeconds ?? Number.NaN))} s`;
    return `| ${c.latencyMs} ms | ${c.n} | ${mib(peak(c, "engine"))} MiB | ${mib(peak(c, "program"))} MiB | ${mib(peak(c, "provider"))} MiB | ${mib(peak(c, "language-host"))} MiB | ${cpu("engine")} | ${cpu("program")} | ${cpu("provider")} | ${cpu("emulator")} |`;
  });
  return [...head, ...rows].join("\n");
}

/** A run's engine settings in words: its extra environment and whether the CLI's debug log was on. */
function describeEnv(run: RunFile | undefined): string {
  if (!run) return "";
  const parts = Object.entries(run.engineEnv).map(([k, v]) => `\`${k}=${v}\``);
  return parts.join(", ");
}

/** The same cases under several labels (e.g. pulumi-defaults / defaults), side by side. */
function compareTable(runs: readonly RunFile[], labels: readonly string[]): string {
  const rows: string[] = [];
  const keys = new Set<string>();
  for (const l of labels) for (const c of cells(runs, l)) keys.add(`${c.latencyMs}/${c.n}`);
  const sorted = [...keys].sort((a, b) => {
    const [la, na] = a.split("/").map(Number);
    const [lb, nb] = b.split("/").map(Number);
    return la! - lb! || na! - nb!;
  });
  for (const key of sorted) {
    for (const label of labels) {
      const cell = cells(runs, label).find((c) => `${c.latencyMs}/${c.n}` === key);
      if (!cell) continue;
      const objects = cell.cases[0]!.objects.total;
      const perObject = med(cell, "refresh", (r) => r.reads) / objects;
      const t = (p: PhaseName) => {
        const v = med(cell, p, (r) => r.seconds);
        return Number.isNaN(v) ? "–" : `${fmtS(v)} s`;
      };
      rows.push(
        `| ${cell.latencyMs} ms | ${cell.n} | ${label} | ${t("preview-empty")} | ${t("converge")} | ${t("preview")} | ${t("noop-apply")} | ${t("refresh")} | ${Number.isNaN(perObject) ? "–" : perObject.toFixed(2)} | ${mib(peak(cell, "engine"))} MiB | ${mib(peak(cell, "program"))} MiB | ${cell.cases.length} |`,
      );
    }
  }
  if (rows.length === 0) return "";
  return [
    "| latency | N | label | preview, empty | converge | preview | no-op apply | refresh | refresh reads per object | peak engine | peak program | runs |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** Converge and no-op apply of one size under every label measured, for the settings section. */
function settingsTable(runs: readonly RunFile[], n: number, latencyMs: number): string {
  const labels = [...new Set(runs.map((r) => r.label))].sort();
  const rows: string[] = [];
  for (const label of labels) {
    const cell = cells(runs, label).find((c) => c.n === n && c.latencyMs === latencyMs);
    if (!cell) continue;
    const run = runs.find((r) => r.label === label);
    const envText = describeEnv(run);
    rows.push(
      `| ${label} | ${envText || "as quay-gitops starts it"} | ${fmtS(med(cell, "converge", (r) => r.seconds))} s | ${fmtS(med(cell, "converge", (r) => r.roles.engine?.cpuSeconds ?? Number.NaN))} s | ${fmtS(med(cell, "noop-apply", (r) => r.seconds))} s | ${mib(peak(cell, "engine"))} MiB | ${mib(peak(cell, "program"))} MiB | ${cell.cases.length} |`,
    );
  }
  if (rows.length === 0) return "";
  return [
    `N = ${n}, ${latencyMs} ms latency:`,
    "",
    "| label | engine environment | converge | engine CPU, converge | no-op apply | peak engine | peak program | runs |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** Wall time against N, one line per phase and latency; log-free linear axes. */
export function chartSvg(cs: Cell[]): string {
  const W = 760;
  const H = 420;
  const m = { l: 60, r: 200, t: 30, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const series: { name: string; dash: string; color: string; pts: [number, number][] }[] = [];
  const colors: Record<PhaseName, string> = {
    "preview-empty": "#7f7f7f",
    converge: "#d62728",
    preview: "#2ca02c",
    "noop-apply": "#1f77b4",
    refresh: "#9467bd",
  };
  for (const latency of [...new Set(cs.map((c) => c.latencyMs))]) {
    for (const p of PHASES) {
      const pts = cs
        .filter((c) => c.latencyMs === latency)
        .map((c) => [c.n, med(c, p, (r) => r.seconds)] as [number, number])
        .filter(([, y]) => !Number.isNaN(y));
      if (pts.length)
        series.push({
          name: `${PHASE_TITLE[p]}, ${latency} ms`,
          dash: latency === 0 ? "" : "6 4",
          color: colors[p],
          pts,
        });
    }
  }
  const maxX = Math.max(1, ...cs.map((c) => c.n));
  const maxY = Math.max(1, ...series.flatMap((s) => s.pts.map(([, y]) => y)));
  const stepY = maxY > 600 ? 120 : maxY > 300 ? 60 : maxY > 120 ? 30 : 10;
  const topY = Math.ceil(maxY / stepY) * stepY;
  const x = (v: number) => m.l + (v / maxX) * pw;
  const y = (v: number) => m.t + ph - (v / topY) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="18" font-size="14">Wall time against the number of tenants (median; solid 0 ms, dashed 20 ms latency)</text>`,
  ];
  for (let v = 0; v <= topY; v += stepY) {
    out.push(
      `<line x1="${m.l}" y1="${y(v)}" x2="${m.l + pw}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${v} s</text>`,
    );
  }
  for (const n of [...new Set(cs.map((c) => c.n))]) {
    out.push(
      `<line x1="${x(n)}" y1="${m.t + ph}" x2="${x(n)}" y2="${m.t + ph + 5}" stroke="#000"/>`,
      `<text x="${x(n)}" y="${m.t + ph + 18}" text-anchor="middle">${n}</text>`,
    );
  }
  out.push(
    `<line x1="${m.l}" y1="${m.t + ph}" x2="${m.l + pw}" y2="${m.t + ph}" stroke="#000"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${m.t + ph}" stroke="#000"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">tenants (N)</text>`,
  );
  series.forEach((s, i) => {
    const d = s.pts.map(([a, b], j) => `${j ? "L" : "M"}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(" ");
    out.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`,
    );
    for (const [a, b] of s.pts)
      out.push(`<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = m.t + 10 + i * 18;
    out.push(
      `<line x1="${m.l + pw + 12}" y1="${ly}" x2="${m.l + pw + 36}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`,
      `<text x="${m.l + pw + 42}" y="${ly + 4}">${s.name}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

export function renderResults(runs: readonly RunFile[], label: string): string {
  const cs = cells(runs, label);
  const validate = new Map<number, number[]>();
  const validateIn = new Map<number, number[]>();
  for (const r of runs.filter((x) => x.label === label)) {
    for (const v of r.validate) {
      validate.set(v.files, [...(validate.get(v.files) ?? []), v.cliSeconds]);
      validateIn.set(v.files, [...(validateIn.get(v.files) ?? []), v.inProcessSeconds]);
    }
  }
  const vRows = [...validate.keys()]
    .sort((a, b) => a - b)
    .map(
      (n) =>
        `| ${n} | ${median(validate.get(n)!).toFixed(2)} s | ${median(validateIn.get(n)!).toFixed(2)} s | ${validate.get(n)!.length} |`,
    );
  const lines = [
    BEGIN,
    "",
    `_Generated by \`npm run bench\` (bench/report.ts) from bench/results/*.json, label \`${label}\` (engine settings: ${
      describeEnv(runs.find((r) => r.label === label)) || "as quay-gitops commands start the engine"
    }). Times are medians of the runs; "load" is the machine's 1-minute load average before and after each run._`,
    "",
    "### Wall time",
    "",
    timeTable(cs),
    "",
    "![Wall time against N](benchmarks-time.svg)",
    "",
    "### Requests to Quay (the emulator's counters)",
    "",
    requestTable(cs),
    "",
    "### Peak memory and CPU per process",
    "",
    "Peak resident memory (VmHWM) of the largest process of each kind over all phases; CPU seconds of converging.",
    "",
    memoryTable(cs),
    "",
    "### Validate",
    "",
    "| files | `quay-gitops validate` (process) | loading in-process | runs |",
    "|---|---|---|---|",
    ...vRows,
    "",
    "### Before and after",
    "",
    "`pulumi-defaults`: the engine as the Pulumi CLI runs by itself (a checkpoint of the state after every step, the automatic debug log); `defaults`: as our commands start it (src/engine/env.ts); `ours`: the same as `defaults`, run beside the settings compared below.",
    "",
    compareTable(runs, ["pulumi-defaults", "ours", MAIN_LABEL]),
    "",
    "### Engine settings compared",
    "",
    settingsTable(runs, 30, 20),
    "",
    settingsTable(runs, 100, 20),
    "",
    END,
  ];
  return lines.join("\n");
}

/** Rewrites the generated part of docs/benchmarks.md and the chart; returns the page's path. */
export function writeReport(label = MAIN_LABEL): string {
  const runs = loadRuns();
  fs.writeFileSync(CHART, chartSvg(cells(runs, label)));
  const generated = renderResults(runs, label);
  const page = fs.existsSync(DOC) ? fs.readFileSync(DOC, "utf8") : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  const a = page.indexOf(BEGIN);
  const b = page.indexOf(END);
  const next =
    a >= 0 && b > a
      ? `${page.slice(0, a)}${generated}${page.slice(b + END.length)}`
      : `${page}\n${generated}\n`;
  fs.writeFileSync(DOC, next);
  return DOC;
}

if (require.main === module) {
  const { values } = parseArgs({ options: { label: { type: "string", default: MAIN_LABEL } } });
  process.stdout.write(`${writeReport(values.label)}\n`);
}
