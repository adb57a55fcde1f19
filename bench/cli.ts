import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { StatsSnapshot } from "../emulator/stats";
import { LOCAL_DEV_PASSPHRASE } from "../src/engine/env";
import { projectRoot } from "../src/project";

/**
 * What the command benchmarks (bench/gitops.ts, bench/export.ts) share: the emulator and
 * bin/quay-gitops.js in processes of their own, the CLI's environment, a Git repository, and one timed
 * phase with the emulator's counters.
 */

export type Auth = "session" | "token";

export const node = process.execPath;
export const cli = path.join(projectRoot, "bin", "quay-gitops.js");
export const say = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

/** The first line `quay-gitops emulator` prints: where it listens and its admin's credentials. */
export async function emulatorReady(
  child: ChildProcess,
): Promise<{ url: string; token: string; password: string }> {
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0] ?? "");
    });
    child.on("exit", (code) => reject(new Error(`emulator exited with ${code} (run \`npm run build\`)`)));
  });
  return JSON.parse(line) as { url: string; token: string; password: string };
}

export function git(dir: string, ...args: string[]): void {
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

/** The CLI's environment: signed in one way, the other way's variables empty, nothing from CI. */
export function cliEnv(
  url: string,
  auth: Auth,
  admin: { token: string; password: string },
  secrets: Record<string, string>,
): Record<string, string> {
  return {
    QUAY_URL: url,
    ...(auth === "session"
      ? { QUAY_USERNAME: "admin", QUAY_PASSWORD: admin.password, QUAY_TOKEN: "" }
      : { QUAY_TOKEN: admin.token, QUAY_USERNAME: "", QUAY_PASSWORD: "" }),
    PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
    ...secrets,
    GITHUB_ACTIONS: "",
    GITLAB_CI: "",
    QUAY_GITOPS_STACK: "",
    QUAY_GITOPS_REPO: "",
    QUAY_GITOPS_TENANTS_DIR: "",
    QUAY_GITOPS_REGISTRY_FILE: "",
  };
}

/** Runs the CLI; its stderr and then its stdout go to `log`, its stdout is also returned. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  log: string,
): Promise<{ exit: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(node, [cli, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => fs.appendFileSync(log, d));
    child.on("exit", (code) => {
      fs.appendFileSync(log, out);
      resolve({ exit: code ?? -1, out });
    });
  });
}

const SIGN_IN_ROUTES = ["GET /csrf_token", "POST /api/v1/signin", "POST /api/v1/signin/verify"];

/** What a phase records: wall time, exit code, and the emulator's counters with sign-ins apart. */
export interface PhaseCounts {
  seconds: number;
  exit: number;
  /** Sign-in requests left out of reads and writes. */
  reads: number;
  writes: number;
  signIns: number;
  byRoute: Record<string, number>;
}

export interface PhaseRun {
  counts: PhaseCounts;
  out: string;
  /** The emulator's counters as they are. */
  stats: StatsSnapshot;
}

/** One command, timed, with the emulator's counters reset before it and read after. */
export async function timedPhase(
  emu: { reset(): Promise<void>; stats(): Promise<StatsSnapshot> },
  name: string,
  args: string[],
  env: Record<string, string>,
  log: string,
): Promise<PhaseRun> {
  await emu.reset();
  fs.appendFileSync(log, `\n===== ${name}: quay-gitops ${args.join(" ")}\n`);
  const t = performance.now();
  const { exit, out } = await runCli(args, env, log);
  const seconds = (performance.now() - t) / 1000;
  const s = await emu.stats();
  const count = (routes: string[]) => routes.reduce((sum, r) => sum + (s.byRoute[r] ?? 0), 0);
  return {
    counts: {
      seconds,
      exit,
      reads: s.reads - count(["GET /csrf_token"]),
      // From the routes: the emulator's write counter and its routes need not agree on a sign-in.
      writes: Object.entries(s.byRoute)
        .filter(([r]) => !r.startsWith("GET ") && !SIGN_IN_ROUTES.includes(r))
        .reduce((sum, [, n]) => sum + n, 0),
      signIns: count(SIGN_IN_ROUTES),
      byRoute: s.byRoute,
    },
    out,
    stats: s,
  };
}

/** Writes a run's results to bench/results/<time>-<kind>.json. */
export function writeResults(file: { startedAt: string }, kind: string): void {
  const out = path.join(
    projectRoot,
    "bench",
    "results",
    `${file.startedAt.replace(/[:.]/g, "-")}-${kind}.json`,
  );
  fs.writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
  say(`wrote ${path.relative(projectRoot, out)}`);
}
