/**
 * `quay-gitops export` at lab scale, and the first apply after it (docs/benchmarks.md, "Export").
 *
 *   npm run bench:export [-- --sizes 10,100 --auth session,token --cost quay --apply --keep]
 *
 * For each size N and way of authenticating: a lab of N organizations built by plain API calls
 * (test/helpers/raw-lab.ts: per organization 2 users, 3 robots, 2 teams, 2 default permissions, a
 * quota, 4 repositories with grants and prune policies, one of them a mirror with credentials, an
 * organization prune policy) in an emulator without cost, saved to a state file; then the emulator
 * again on that state with the cost preset of a real Quay 3.18.0 on 2 cores, and
 *
 * | phase | command |
 * | --- | --- |
 * | export | `export --all --out tenants --registry-out stacks/local.registry.yaml` |
 * | first-apply (`--apply`) | `apply` of the exported files, committed: adopts everything |
 * | drift (`--apply`) | `drift` right after |
 *
 * Each phase records wall time and the emulator's counters; the export also the objects it wrote
 * and its requests per object. Results go to bench/results/<time>-export.json.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { StatsSnapshot } from "../emulator/stats";
import { buildRawLab, hookUrl, mirrorPassword, rawApi, slackUrl } from "../test/helpers/raw-lab";
import {
  type Auth,
  cli,
  cliEnv,
  emulatorReady,
  git,
  node,
  type PhaseCounts,
  say,
  timedPhase,
  writeResults,
} from "./cli";

export interface ExportPhase extends PhaseCounts {
  phase: "export" | "first-apply" | "drift";
  /** export only: objects in the files, and requests per object (sign-in requests left out). */
  objects?: number;
  requestsPerObject?: number;
}

export interface ExportCase {
  n: number;
  auth: Auth;
  cost: string;
  buildSeconds: number;
  phases: ExportPhase[];
}

const TOKEN = "bench-export-admin-token-0000000000000000";

interface Emulator {
  url: string;
  password: string;
  child: ChildProcess;
  stats(): Promise<StatsSnapshot>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function startEmulator(state: string, cost: string | undefined): Promise<Emulator> {
  // Immutability policies are off in Quay by default: the lab has them on, so the export reads them.
  const config = `${state}.config.json`;
  fs.writeFileSync(config, JSON.stringify({ FEATURE_IMMUTABLE_TAGS: true }));
  const child = spawn(
    node,
    [cli, "emulator", "--port", "0", "--state", state, "--config", config, ...(cost ? ["--cost", cost] : [])],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, QUAY_EMULATOR_TOKEN: TOKEN } },
  );
  const { url, password } = await emulatorReady(child);
  const api = rawApi(url, TOKEN);
  return {
    url,
    password,
    child,
    stats: async () => (await api("GET", "/_emulator/stats")).data as StatsSnapshot,
    reset: async () => {
      await api("POST", "/_emulator/stats/reset");
    },
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export const orgName = (i: number): string => `partner${String(i).padStart(3, "0")}`;

async function runCase(
  n: number,
  auth: Auth,
  cost: string,
  apply: boolean,
  keep: boolean,
): Promise<ExportCase> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `qg-bench-export-${n}-`));
  const state = path.join(work, "emulator-state.json");
  const repo = path.join(work, "repo");
  fs.mkdirSync(path.join(repo, "tenants"), { recursive: true });
  git(repo, "init", "-q", "-b", "main");
  const orgs = Array.from({ length: n }, (_, i) => orgName(i));

  // The lab, clicked together at full speed; then the same state on a Quay's pace.
  const t0 = performance.now();
  const builder = await startEmulator(state, undefined);
  await buildRawLab(rawApi(builder.url, TOKEN), { organizations: orgs, immutability: true });
  await builder.stop();
  const buildSeconds = (performance.now() - t0) / 1000;
  say(`  N=${n}: lab built in ${buildSeconds.toFixed(1)} s`);
  const emu = await startEmulator(state, cost);

  const env = cliEnv(
    emu.url,
    auth,
    { token: TOKEN, password: emu.password },
    {
      ...Object.fromEntries(orgs.map((o) => [`${o.toUpperCase()}_UBI9_MIRROR_PASSWORD`, mirrorPassword(o)])),
      ...Object.fromEntries(orgs.map((o) => [`${o.toUpperCase()}_APP0_WEBHOOK_URL`, hookUrl(o)])),
      ...Object.fromEntries(orgs.map((o) => [`${o.toUpperCase()}_UBI9_SLACK_URL`, slackUrl(o)])),
    },
  );
  const common = ["--stack", "local", "--repo", repo, "--backend", `file://${path.join(work, "state")}`];
  const log = path.join(work, "commands.log");
  const phases: ExportPhase[] = [];
  const phase = async (name: ExportPhase["phase"], args: string[]) => {
    const { counts: c, out } = await timedPhase(emu, name, args, env, log);
    const p: ExportPhase = { phase: name, ...c };
    const m = /(\d+) objects in \d+ requests/.exec(out);
    if (name === "export" && m) {
      p.objects = Number(m[1]);
      p.requestsPerObject = Number((c.reads / p.objects).toFixed(3));
    }
    phases.push(p);
    say(
      `  N=${n} ${auth} ${name}: ${c.seconds.toFixed(1)} s, exit ${c.exit}, ${c.reads} reads, ${p.writes} writes${p.objects ? `, ${p.objects} objects, ${p.requestsPerObject} requests/object` : ""}`,
    );
    if (c.exit !== 0 && !(name === "drift" && c.exit === 2)) say(`    see ${log}`);
    return c.exit;
  };
  try {
    const exported = await phase("export", [
      "export",
      "--all",
      "--out",
      path.join(repo, "tenants"),
      "--registry-out",
      path.join(repo, "stacks", "local.registry.yaml"),
      "--force",
      "--stack",
      "local",
    ]);
    if (apply && exported === 0) {
      git(repo, "add", "-A");
      git(repo, "commit", "-q", "-m", "export");
      await phase("first-apply", ["apply", ...common]);
      await phase("drift", ["drift", ...common]);
    }
  } finally {
    await emu.stop();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
    else say(`  kept ${work}`);
  }
  return { n, auth, cost, buildSeconds, phases };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "10,100" },
      auth: { type: "string", default: "session,token" },
      cost: { type: "string", default: "quay" },
      apply: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  const auths = values.auth.split(",") as Auth[];
  const file = {
    kind: "export",
    startedAt: new Date().toISOString(),
    host: { cpus: os.cpus().length, node: process.version, load: os.loadavg() },
    cases: [] as ExportCase[],
  };
  for (const auth of auths)
    for (const n of sizes) {
      say(`case N=${n}, ${auth}, cost ${values.cost}`);
      file.cases.push(await runCase(n, auth, values.cost, values.apply, values.keep));
    }
  writeResults(file, "export");
}

main().catch((e) => {
  say(String(e instanceof Error ? e.stack : e));
  process.exitCode = 1;
});
