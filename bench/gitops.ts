/**
 * Our commands at lab scale on a Quay that costs what a real one costs (docs/benchmarks.md, "Our
 * commands on the Quay cost profile").
 *
 *   npm run bench:gitops [-- --sizes 10,100 --auth session,token --cost quay --keep]
 *
 * For each way of authenticating and each size N: a Git repository with N generated tenants
 * (bench/lab.ts) and the bench registry file, a fresh emulator in its own process with the cost
 * preset of a real Quay 3.18.0 on 2 cores (`quay-gitops emulator --cost quay`: 2 workers, ~256 ms a
 * token request, ~19 ms a session request), and `bin/quay-gitops.js` run as a user runs it:
 *
 * | phase | command | what it is |
 * | --- | --- | --- |
 * | converge | `apply` | from an empty Quay |
 * | merge | `apply` after a commit that changes one tenant | the apply of an everyday merge |
 * | noop-all | `apply --all` | the whole lab, nothing to do |
 * | drift | `drift` | the nightly check, everything read |
 *
 * Each phase records wall time and the emulator's counters (reads, writes, sign-ins, by route).
 * Results go to bench/results/<time>-gitops-<auth>.json; `--report` renders the tables for docs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { StatsSnapshot } from "../emulator/stats";
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
import { BENCH_REGISTRY_FILE, MIRROR_PASSWORD_ENV, tenantName, writeLab } from "./lab";

type Phase = "converge" | "merge" | "noop-all" | "drift";

export interface GitopsPhase extends PhaseCounts {
  phase: Phase;
}

export interface GitopsCase {
  n: number;
  auth: Auth;
  cost: string;
  phases: GitopsPhase[];
}

export interface GitopsRunFile {
  kind: "gitops";
  startedAt: string;
  host: { cpus: number; node: string };
  cases: GitopsCase[];
}

interface Emulator {
  url: string;
  token: string;
  password: string;
  stats(): Promise<StatsSnapshot>;
  reset(): Promise<void>;
  child: ChildProcess;
}

async function startEmulator(cost: string): Promise<Emulator> {
  const child = spawn(node, [cli, "emulator", "--port", "0", "--cost", cost], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const { url, token, password } = await emulatorReady(child);
  const call = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 200)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  // The bench registry file names `lab-automation` as an existing user.
  await call("POST", "/api/v1/superuser/users/", {
    username: "lab-automation",
    email: "automation@lab.example",
  });
  return {
    url,
    token,
    password,
    stats: () => call<StatsSnapshot>("GET", "/_emulator/stats"),
    reset: async () => {
      await call("POST", "/_emulator/stats/reset");
    },
    child,
  };
}

async function runCase(n: number, auth: Auth, cost: string, keep: boolean): Promise<GitopsCase> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `qg-bench-gitops-${n}-`));
  const repo = path.join(work, "repo");
  writeLab(repo, n);
  fs.mkdirSync(path.join(repo, "stacks"), { recursive: true });
  fs.copyFileSync(BENCH_REGISTRY_FILE, path.join(repo, "stacks", "local.registry.yaml"));
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "lab");
  const emu = await startEmulator(cost);
  const env = cliEnv(emu.url, auth, emu, { [MIRROR_PASSWORD_ENV]: "bench-mirror-password" });
  const common = ["--stack", "local", "--repo", repo, "--backend", `file://${path.join(work, "state")}`];
  const log = path.join(work, "commands.log");
  const phases: GitopsPhase[] = [];
  const phase = async (name: Phase, args: string[]) => {
    const { counts: c, stats } = await timedPhase(emu, name, [...args, ...common], env, log);
    phases.push({ phase: name, ...c });
    say(
      `  N=${n} ${auth} ${name}: ${c.seconds.toFixed(1)} s, exit ${c.exit}, ${stats.reads} reads, ${stats.writes} writes (${c.signIns} sign-in requests)`,
    );
    if (c.exit !== 0 && !(name === "drift" && c.exit === 2)) say(`    see ${log}`);
  };
  try {
    await phase("converge", ["apply"]);
    // An everyday merge: one partner's repository description.
    const file = path.join(repo, "tenants", `${tenantName(Math.floor(n / 2))}.yaml`);
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, "utf8")
        .replace("description: Application 0 of", "description: Application zero of"),
    );
    git(repo, "commit", "-q", "-am", "one tenant");
    await phase("merge", ["apply"]);
    await phase("noop-all", ["apply", "--all"]);
    await phase("drift", ["drift"]);
  } finally {
    emu.child.kill("SIGTERM");
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
    else say(`  kept ${work}`);
  }
  return { n, auth, cost, phases };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "10,100" },
      auth: { type: "string", default: "session,token" },
      cost: { type: "string", default: "quay" },
      keep: { type: "boolean", default: false },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  const auths = values.auth.split(",") as Auth[];
  const file: GitopsRunFile = {
    kind: "gitops",
    startedAt: new Date().toISOString(),
    host: { cpus: os.cpus().length, node: process.version },
    cases: [],
  };
  for (const auth of auths)
    for (const n of sizes) {
      say(`case N=${n}, ${auth}, cost ${values.cost}`);
      file.cases.push(await runCase(n, auth, values.cost, values.keep));
    }
  writeResults(file, "gitops");
}

main().catch((e) => {
  say(String(e instanceof Error ? e.stack : e));
  process.exitCode = 1;
});
