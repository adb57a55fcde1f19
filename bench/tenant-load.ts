/**
 * The tenant loader on the 200-tenant fixture (test/fixtures/tenants-200 with stacks/local.registry.yaml):
 * the whole load (parse, schema, rules, normalization) and the YAML stage alone, in one process.
 *
 *   tsc -p tsconfig.build.json && tsc -p bench/tsconfig.json && node dist/bench/tenant-load.js [--runs 20]
 *
 * `first` is the first load of the process (cold: JIT, schema module load), as `quay-gitops validate`
 * pays it; `warm` the median and range of the next `runs` loads; `yaml` the parse of each file
 * (parseYaml, the fast path for valid files) in µs per file over all files, median of `runs` passes.
 * Results are printed as one JSON line; docs/benchmarks.md records the figures.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadDesiredStateFromFiles } from "../src/tenant";
import { DiagnosticBag } from "../src/tenant/diagnostics";
import { parseYaml } from "../src/tenant/yaml";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" } } });
const runs = Number(values.runs);
const root = path.resolve(__dirname, "../..");
const dir = path.join(root, "test/fixtures/tenants-200/tenants");
const registry = fs.readFileSync(path.join(root, "stacks/local.registry.yaml"), "utf8");
const tenants = fs
  .readdirSync(dir)
  .sort()
  .map((f) => [`tenants/${f}`, fs.readFileSync(path.join(dir, f))] as const);
const files = new Map<string, string | Uint8Array>([...tenants, ["stacks/local.registry.yaml", registry]]);
const now = new Date("2026-12-01T00:00:00Z");

function load(): number {
  const start = performance.now();
  const r = loadDesiredStateFromFiles({ files, now });
  const ms = performance.now() - start;
  if (r.diagnostics.length > 0 || r.state?.tenants.length !== tenants.length)
    throw new Error(`the fixture did not load cleanly: ${JSON.stringify(r.diagnostics.slice(0, 3))}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

const first = load();
const warm: number[] = [];
for (let i = 0; i < runs; i++) warm.push(load());

const texts = tenants.map(([f, b]) => [f, Buffer.from(b).toString("utf8")] as const);
const perFile: number[] = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  for (const [f, t] of texts) {
    if (!parseYaml(f, t, new DiagnosticBag())) throw new Error(`${f} did not parse`);
  }
  perFile.push(((performance.now() - start) * 1000) / texts.length);
}

const result = {
  tenants: tenants.length,
  firstMs: round(first),
  warmMs: { median: round(median(warm)), min: round(Math.min(...warm)), max: round(Math.max(...warm)) },
  yamlUsPerFile: {
    median: round(median(perFile), 0),
    min: round(Math.min(...perFile), 0),
    max: round(Math.max(...perFile), 0),
  },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
