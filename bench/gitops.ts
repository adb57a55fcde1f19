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
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { StatsSnapshot } from "../emulator/stats";
import { LOCAL_DEV_PASSPHRASE } from "../src/engine/env";
import { projectRoot } from "../src/project";
import { BENCH_REGISTRY_FILE, MIRROR_PASSWORD_ENV, tenantName, writeLab } from "./lab";

type Auth = "session" | "token";
type Phase = "converge" | "merge" | "noop-all" | "drift";

export interface GitopsPhase {
  phase: Phase;
  seconds: number;
  exit: number;
  reads: number;
  writes: number;
  signIns: number;
  byRoute: Record<string, number>;
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

const node = process.execPath;
const cli = path.join(projectRoot, "bin", "quay-gitops.js");
const say = (s: string) => process.stderr.write(`${s}\n`);

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
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0] ?? "");
    });
    child.on("exit", (code) => reject(new Error(`emulator exited with ${code} (run \`npm run build\`)`)));
  });
  const { url, token, password } = JSON.parse(line) as { url: string; token: string; password: string };
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

function git(dir: string, ...args: string[]): void {
  execFileSync("git", args, {
    cwd: dir,
    stdio: "ignore",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "bench",
      GIT_AUTHOR_EMAIL: "bench@lab.example",
      GIT_COMMITTER_NAME: "bench",
      GIT_COMMITTER_EMAIL: "bench@lab.example",
    },
  });
}

function runCli(args: string[], env: Record<string, string>, log: string): Promise<number> {
  return new Promise((resolve) => {
    const out = fs.openSync(log, "a");
    const child = spawn(node, [cli, ...args], {
      stdio: ["ignore", out, out],
      env: { ...process.env, ...env },
    });
    child.on("exit", (code) => {
      fs.closeSync(out);
      resolve(code ?? -1);
    });
  });
}

const SIGN_IN_ROUTES = ["GET /csrf_token", "POST /api/v1/signin", "POST /api/v1/signin/verify"];

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
  const env: Record<string, string> = {
    QUAY_URL: emu.url,
    ...(auth === "session"
      ? { QUAY_USERNAME: "admin", QUAY_PASSWORD: emu.password, QUAY_TOKEN: "" }
      : { QUAY_TOKEN: emu.token, QUAY_USERNAME: "", QUAY_PASSWORD: "" }),
    PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
    [MIRROR_PASSWORD_ENV]: "bench-mirror-password",
    GITHUB_ACTIONS: "",
    GITLAB_CI: "",
    QUAY_GITOPS_REPO: "",
    QUAY_GITOPS_TENANTS_DIR: "",
    QUAY_GITOPS_REGISTRY_FILE: "",
  };
  const common = ["--stack", "local", "--repo", repo, "--backend", `file://${path.join(work, "state")}`];
  const log = path.join(work, "commands.log");
  const phases: GitopsPhase[] = [];
  const phase = async (name: Phase, args: string[]) => {
    await emu.reset();
    fs.appendFileSync(log, `\n===== ${name}: quay-gitops ${args.join(" ")}\n`);
    const t0 = performance.now();
    const exit = await runCli([...args, ...common], env, log);
    const seconds = (performance.now() - t0) / 1000;
    const s = await emu.stats();
    const signIns = SIGN_IN_ROUTES.reduce((sum, r) => sum + (s.byRoute[r] ?? 0), 0);
    const signInWrites = SIGN_IN_ROUTES.filter((r) => r.startsWith("POST")).reduce(
      (sum, r) => sum + (s.byRoute[r] ?? 0),
      0,
    );
    phases.push({
      phase: name,
      seconds,
      exit,
      reads: s.reads - (s.byRoute["GET /csrf_token"] ?? 0),
      writes: s.writes - signInWrites,
      signIns,
      byRoute: s.byRoute,
    });
    say(
      `  N=${n} ${auth} ${name}: ${seconds.toFixed(1)} s, exit ${exit}, ${s.reads} reads, ${s.writes} writes (${signIns} sign-in requests)`,
    );
    if (exit !== 0 && !(name === "drift" && exit === 2)) say(`    see ${log}`);
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
  const out = path.join(
    projectRoot,
    "bench",
    "results",
    `${file.startedAt.replace(/[:.]/g, "-")}-gitops.json`,
  );
  fs.writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
  say(`wrote ${path.relative(projectRoot, out)}`);
}

main().catch((e) => {
  say(String(e instanceof Error ? e.stack : e));
  process.exitCode = 1;
});
