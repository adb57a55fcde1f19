/**
 * Summarizes V8 CPU profiles (`node --cpu-prof`, e.g. NODE_OPTIONS="--cpu-prof --cpu-prof-dir=DIR"
 * in the engine's environment: every Node process the engine starts writes one) by self time per
 * package or project folder, and the top functions.
 *
 *   node dist/bench/cpuprof.js DIR [--top 25]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** What the process was: the program, the dynamic provider, or something else. */
  kind: string;
  totalSeconds: number;
  byArea: [string, number][];
  byFunction: [string, number][];
}

/** A file's area: the npm package, or the project folder (src/x, providers, ...), or the runtime. */
function areaOf(url: string): string {
  if (!url) return "(native/gc/idle)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith("node:")) return "node (built-in)";
  const m = /\/dist\/(src\/[^/]+|providers|emulator|bench)\//.exec(url);
  if (m) return m[1]!;
  return url.replace(/^file:\/\//, "");
}

/** One process's profile: a `--cpu-prof` file, or the chunks prof-hook.ts wrote (summed). */
export function summarize(files: string | readonly string[], top = 25): ProfileSummary {
  const list = typeof files === "string" ? [files] : files;
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let urls = "";
  let wall = 0;
  for (const file of list) {
    const p = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
    wall += (p.endTime - p.startTime) / 1e6;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map<number, number>();
    for (const [i, id] of p.samples.entries()) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
    for (const [id, us] of self) {
      const n = byId.get(id);
      if (!n) continue;
      const { functionName, url, lineNumber } = n.callFrame;
      urls += url.includes("dynamic-provider") ? "P" : url.includes("cmd/run") ? "R" : "";
      const area = functionName === "(idle)" ? "(idle)" : areaOf(url);
      areas.set(area, (areas.get(area) ?? 0) + us);
      const fn = `${functionName || "(anonymous)"} ${path.basename(url)}:${lineNumber + 1} [${area}]`;
      fns.set(fn, (fns.get(fn) ?? 0) + us);
    }
  }
  const sorted = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => [k, v / 1e6] as [string, number]);
  const kind = urls.includes("P") ? "provider" : urls.includes("R") ? "program" : "other";
  return {
    file: list[0] ?? "",
    kind,
    totalSeconds: wall,
    byArea: sorted(areas),
    byFunction: sorted(fns),
  };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" } },
  });
  const dir = positionals[0];
  if (!dir) throw new Error("usage: cpuprof DIR [--top N]");
  // prof-hook.ts writes CHUNK.<pid>.<n>.cpuprofile: one group per process.
  const groups = new Map<string, string[]>();
  for (const f of fs
    .readdirSync(dir)
    .filter((x) => x.endsWith(".cpuprofile"))
    .sort()) {
    const key = /^CHUNK\.(\d+)\./.exec(f)?.[1] ?? f;
    groups.set(key, [...(groups.get(key) ?? []), path.join(dir, f)]);
  }
  for (const [f, files] of groups) {
    const s = summarize(files, Number(values.top));
    const busy = s.byArea.filter(([a]) => a !== "(idle)").reduce((t, [, v]) => t + v, 0);
    process.stdout.write(
      `\n== ${f}: ${s.kind}, ${s.totalSeconds.toFixed(1)} s wall, ~${busy.toFixed(1)} s busy (top areas)\n`,
    );
    for (const [a, v] of s.byArea) process.stdout.write(`  ${v.toFixed(2).padStart(8)} s  ${a}\n`);
    process.stdout.write("  top functions (self time):\n");
    for (const [fn, v] of s.byFunction) process.stdout.write(`  ${v.toFixed(2).padStart(8)} s  ${fn}\n`);
  }
}

if (require.main === module) main();
