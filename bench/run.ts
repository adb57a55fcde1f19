/**
 * Lab-scale benchmark (results and method in docs/benchmarks.md).
 *
 *   npm run bench [-- --sizes 10,100,300 --latencies 0,20 --repeat 1 --validate-sizes 10,100,300,500
 *                     --profile defaults|pulumi-defaults|checkpoints|engine-log --label NAME --engine-env KEY=VALUE ...
 *                     --phases preview-empty,converge,preview,noop-apply,refresh --keep --no-report
 *                     "--cli-args=--profiling /tmp/prof/{phase}"]
 *
 * For each latency and size N: generates N tenants (bench/lab.ts), times `quay-gitops validate`,
 * starts a fresh emulator (its own process, `latencyMs` from its fault API), and drives the real
 * engine through the Automation API on a throwaway file backend: a preview of the empty stack,
 * converge from empty (`up --refresh`, what `quay-gitops apply` runs), a preview without refresh, a
 * no-op apply (`up --refresh` again) and a refresh (`refresh --preview-only`, what `quay-gitops
 * drift` runs). Each phase records wall time, the emulator's request counters (reads and writes,
 * by route) and the peak memory and CPU time of the engine, program and provider processes.
 *
 * `--profile` picks the engine settings (PROFILES below); `--engine-env` adds to them. Each run
 * writes bench/results/<time>-<label>.json; the report (docs/benchmarks.md) is rendered from all of
 * them by bench/report.ts, with the median of the runs of one label.
 *
 * Run with Node 24 (`npm run bench` puts it first on PATH): the engine's Node is this process's.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, promisify } from "node:util";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import type { StatsSnapshot } from "../emulator/stats";
import { openStack, runPulumiCli } from "../src/engine/automation";
import { LOCAL_DEV_PASSPHRASE } from "../src/engine/env";
import { projectRoot } from "../src/project";
import { loadDesiredState } from "../src/tenant";
import { cli, emulatorReady, node, say } from "./cli";
import { BENCH_REGISTRY_FILE, countObjects, MIRROR_PASSWORD_ENV, type ObjectCounts, writeLab } from "./lab";
import { byRole, ProcessSampler, type ProcessUsage, type Role, type RoleUsage } from "./proc";

export type PhaseName = "preview-empty" | "converge" | "preview" | "noop-apply" | "refresh";

export interface PhaseResult {
  phase: PhaseName;
  seconds: number;
  reads: number;
  writes: number;
  byRoute: Record<string, number>;
  /** Engine steps by op (from the engine's events). */
  ops: Record<string, number>;
  /** Wall time of the engine's resource steps (pre-event to outputs event), seconds. */
  stepSeconds: { count: number; median: number; p95: number; max: number };
  roles: Record<Role | "emulator", RoleUsage>;
  /** Size of the stack's checkpoint file after the phase, bytes. */
  stateBytes: number;
}

export interface ValidateResult {
  files: number;
  /** `quay-gitops validate` as a user runs it (process start included), seconds. */
  cliSeconds: number;
  /** loadDesiredState in this process (warm), seconds. */
  inProcessSeconds: number;
}

export interface CaseResult {
  n: number;
  latencyMs: number;
  objects: ObjectCounts;
  /** Resources in the stack after converging (the Pulumi stack and default provider included). */
  resources: number;
  phases: PhaseResult[];
}

export interface RunFile {
  label: string;
  startedAt: string;
  host: { cpus: number; memGiB: number; node: string; loadBefore: number[]; loadAfter: number[] };
  /** Environment added to the engine's (src/engine/env.ts) for every phase. */
  engineEnv: Record<string, string>;
  /** Whether the CLI's automatic debug log was on (QUAY_GITOPS_ENGINE_LOG=1, src/engine/env.ts). */
  engineLogs: boolean;
  /** The checkout whose program and providers ran, when not this one (`--work-dir`). */
  workDir?: string;
  validate: ValidateResult[];
  cases: CaseResult[];
}

/**
 * Engine settings measured (docs/benchmarks.md): `defaults` is how our commands start the engine
 * (src/engine/env.ts: no checkpoint after every step, no automatic CLI debug log);
 * `pulumi-defaults` is the Pulumi CLI's own behaviour; the other two turn one of them back on.
 */
const PROFILES: Record<string, { env: Record<string, string>; engineLogs: boolean }> = {
  defaults: { env: {}, engineLogs: false },
  "pulumi-defaults": {
    env: { PULUMI_SKIP_CHECKPOINTS: "false", QUAY_GITOPS_ENGINE_LOG: "1" },
    engineLogs: true,
  },
  checkpoints: { env: { PULUMI_SKIP_CHECKPOINTS: "false" }, engineLogs: false },
  "engine-log": { env: { QUAY_GITOPS_ENGINE_LOG: "1" }, engineLogs: true },
};

const exec = promisify(execFile);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timeValidate(work: string, n: number): Promise<ValidateResult> {
  const tenantsDir = writeLab(work, n);
  // The CLI as a user runs it: a fresh process, so module loading and schema compilation count.
  const cliRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await exec(node, [cli, "validate", "--tenants", tenantsDir, "--registry", BENCH_REGISTRY_FILE], {
      cwd: work,
      maxBuffer: 64 * 1024 * 1024,
    });
    cliRuns.push((performance.now() - t0) / 1000);
  }
  const inRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = loadDesiredState({
      root: work,
      tenantsDir,
      registryFile: BENCH_REGISTRY_FILE,
      now: new Date(),
    });
    inRuns.push((performance.now() - t0) / 1000);
    if (!r.state || r.diagnostics.some((d) => d.severity === "error")) {
      throw new Error(`the generated lab does not validate: ${JSON.stringify(r.diagnostics.slice(0, 3))}`);
    }
  }
  return { files: n, cliSeconds: median(cliRuns), inProcessSeconds: median(inRuns) };
}

interface Emulator {
  url: string;
  token: string;
  child: ChildProcess;
  control<T>(method: string, p: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** The emulator in its own process (the built CLI), so its CPU is not the engine driver's. */
async function startEmulatorProcess(latencyMs: number): Promise<Emulator> {
  const child = spawn(node, [cli, "emulator", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const { url, token } = await emulatorReady(child);
  const control = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
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
  // The registry file names `lab-automation` as an existing user (the lab admins' service account).
  await control("POST", "/api/v1/superuser/users/", {
    username: "lab-automation",
    email: "automation@lab.example",
  });
  if (latencyMs > 0) await control("POST", "/_emulator/faults", { latencyMs, jitterMs: 0 });
  await control("POST", "/_emulator/stats/reset");
  return {
    url,
    token,
    child,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** What `GET /_emulator/stats` answers (emulator/routes/control.ts). */
type StatsAnswer = StatsSnapshot & { internalErrors: number };

function stepTimer() {
  const started = new Map<string, number>();
  const durations: number[] = [];
  const ops: Record<string, number> = {};
  return {
    onEvent(e: EngineEvent) {
      const now = performance.now();
      const pre = e.resourcePreEvent?.metadata;
      // Only the Quay objects: the stack's own step lasts the whole run.
      if (pre && !pre.type.startsWith("pulumi-nodejs:dynamic/")) return;
      if (pre) started.set(`${pre.urn}|${pre.op}`, now);
      const done = e.resOutputsEvent?.metadata;
      if (done?.type.startsWith("pulumi-nodejs:dynamic/")) {
        ops[done.op] = (ops[done.op] ?? 0) + 1;
        const t0 = started.get(`${done.urn}|${done.op}`);
        if (t0 !== undefined) durations.push((now - t0) / 1000);
      }
    },
    result() {
      const s = [...durations].sort((a, b) => a - b);
      const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
      return {
        ops,
        stepSeconds: { count: s.length, median: median(s), p95: at(0.95), max: s[s.length - 1] ?? 0 },
      };
    },
  };
}

function stateFileBytes(backendDir: string): number {
  const dir = path.join(backendDir, ".pulumi", "stacks", "quay-gitops");
  try {
    let total = 0;
    for (const f of fs.readdirSync(dir)) {
      if (/^local\.json(\.gz)?$/.test(f)) total += fs.statSync(path.join(dir, f)).size;
    }
    return total;
  } catch {
    return 0;
  }
}

async function runPhase(
  phase: PhaseName,
  emu: Emulator,
  backendDir: string,
  op: (onEvent: (e: EngineEvent) => void) => Promise<unknown>,
): Promise<PhaseResult> {
  await emu.control("POST", "/_emulator/stats/reset");
  const sampler = new ProcessSampler();
  const timer = stepTimer();
  sampler.start(200);
  const t0 = performance.now();
  await op((e) => timer.onEvent(e));
  const seconds = (performance.now() - t0) / 1000;
  const usage: ProcessUsage[] = sampler.stop();
  const stats = await emu.control<StatsAnswer>("GET", "/_emulator/stats");
  if (stats.internalErrors) say(`  WARNING: the emulator reported ${stats.internalErrors} internal errors`);
  const roles = byRole(usage.filter((u) => u.pid !== emu.child.pid)) as PhaseResult["roles"];
  const emuUsage = usage.find((u) => u.pid === emu.child.pid);
  roles.emulator = {
    peakRssBytes: emuUsage?.peakRssBytes ?? 0,
    cpuSeconds: emuUsage?.cpuSeconds ?? 0,
    processes: 1,
  };
  const { ops, stepSeconds } = timer.result();
  const r: PhaseResult = {
    phase,
    seconds,
    reads: stats.reads,
    writes: stats.writes,
    byRoute: stats.byRoute,
    ops,
    stepSeconds,
    roles,
    stateBytes: stateFileBytes(backendDir),
  };
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  say(
    `  ${phase.padEnd(13)} ${seconds.toFixed(1).padStart(7)} s  reads ${String(r.reads).padStart(6)}  writes ${String(r.writes).padStart(6)}  ` +
      `peak engine ${mib(roles.engine.peakRssBytes)} program ${mib(roles.program.peakRssBytes)} provider ${mib(roles.provider.peakRssBytes)}  ` +
      `cpu engine ${roles.engine.cpuSeconds.toFixed(1)} s program ${roles.program.cpuSeconds.toFixed(1)} s provider ${roles.provider.cpuSeconds.toFixed(1)} s emulator ${roles.emulator.cpuSeconds.toFixed(1)} s`,
  );
  return r;
}

async function runCase(
  work: string,
  n: number,
  latencyMs: number,
  engineEnv: Record<string, string>,
  phases: readonly PhaseName[],
  keep: boolean,
  cliArgs: readonly string[],
  workDir: string | undefined,
): Promise<CaseResult> {
  const tenantsDir = writeLab(work, n);
  const loaded = loadDesiredState({
    root: work,
    tenantsDir,
    registryFile: BENCH_REGISTRY_FILE,
    now: new Date(),
  });
  if (!loaded.state) throw new Error("the generated lab does not validate");
  const objects = countObjects(loaded.state);
  const backendDir = fs.mkdtempSync(path.join(work, "state-"));
  const emu = await startEmulatorProcess(latencyMs);
  say(`N=${n} latency=${latencyMs} ms: ${objects.total} managed objects; emulator ${emu.url}`);
  const result: CaseResult = { n, latencyMs, objects, resources: 0, phases: [] };
  try {
    const env: Record<string, string> = {
      QUAY_URL: emu.url,
      QUAY_TOKEN: emu.token,
      QUAY_GITOPS_TENANTS_DIR: tenantsDir,
      QUAY_GITOPS_REGISTRY_FILE: BENCH_REGISTRY_FILE,
      PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
      [MIRROR_PASSWORD_ENV]: "bench-mirror-password",
      ...engineEnv,
    };
    const backendUrl = `file://${backendDir}`;
    const stack: Stack = await openStack({
      stack: "local",
      backendUrl,
      env,
      ...(workDir ? { workDir } : {}),
    });
    const common = { color: "never" as const, suppressProgress: true };
    // With --cli-args (e.g. `--profiling DIR/{phase}`), phases run the CLI directly with those
    // arguments (without the Automation API's event log); no step timings then.
    const cli =
      cliArgs.length === 0
        ? undefined
        : (phase: PhaseName, args: string[]) =>
            runPulumiCli(
              [
                ...args,
                "--stack",
                "local",
                "--color",
                "never",
                "--suppress-progress",
                ...cliArgs.map((a) => a.replace("{phase}", phase)),
              ],
              { stack: "local", backendUrl, env, ...(workDir ? { workDir } : {}) },
            );
    const run = (p: PhaseName, op: (onEvent: (e: EngineEvent) => void) => Promise<unknown>) =>
      phases.includes(p) ? runPhase(p, emu, backendDir, op).then((r) => result.phases.push(r)) : undefined;
    await run("preview-empty", (onEvent) =>
      cli ? cli("preview-empty", ["preview"]) : stack.preview({ ...common, refresh: false, onEvent }),
    );
    // Converging always runs: the later phases need the converged stack.
    const converge = await runPhase("converge", emu, backendDir, (onEvent) =>
      cli
        ? cli("converge", ["up", "--yes", "--skip-preview", "--refresh"])
        : stack.up({ ...common, refresh: true, onEvent }),
    );
    result.phases.push(converge);
    const exported = await stack.exportStack();
    result.resources = (exported.deployment as { resources?: unknown[] }).resources?.length ?? 0;
    await run("preview", (onEvent) =>
      cli ? cli("preview", ["preview"]) : stack.preview({ ...common, refresh: false, onEvent }),
    );
    await run("noop-apply", (onEvent) =>
      cli
        ? cli("noop-apply", ["up", "--yes", "--skip-preview", "--refresh"])
        : stack.up({ ...common, refresh: true, onEvent }),
    );
    await run("refresh", (onEvent) =>
      cli ? cli("refresh", ["refresh", "--preview-only"]) : stack.previewRefresh({ ...common, onEvent }),
    );
  } finally {
    await emu.close();
    if (!keep) fs.rmSync(backendDir, { recursive: true, force: true });
  }
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "10,100,300" },
      latencies: { type: "string", default: "0,20" },
      "validate-sizes": { type: "string", default: "10,100,300,500" },
      repeat: { type: "string", default: "1" },
      phases: { type: "string", default: "preview-empty,converge,preview,noop-apply,refresh" },
      "engine-env": { type: "string", multiple: true, default: [] },
      profile: { type: "string", default: "defaults" },
      label: { type: "string" },
      json: { type: "string" },
      "no-report": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      "cli-args": { type: "string", default: "" },
      // Another checkout of the project (built), whose program and providers the engine runs: to
      // measure an earlier version with the same benchmark.
      "work-dir": { type: "string" },
    },
  });
  const sizes = values.sizes.split(",").filter(Boolean).map(Number);
  const latencies = values.latencies.split(",").filter(Boolean).map(Number);
  const validateSizes = values["validate-sizes"].split(",").filter(Boolean).map(Number);
  const repeat = Number(values.repeat);
  const phases = values.phases.split(",") as PhaseName[];
  const profile = PROFILES[values.profile];
  if (!profile) throw new Error(`--profile must be one of ${Object.keys(PROFILES).join(", ")}`);
  const label = values.label ?? values.profile;
  const engineEnv: Record<string, string> = { ...profile.env };
  for (const kv of values["engine-env"]) {
    const i = kv.indexOf("=");
    if (i > 0) engineEnv[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-bench-"));
  const runEnv = { ...engineEnv };
  const out: RunFile = {
    label,
    startedAt: new Date().toISOString(),
    host: {
      cpus: os.cpus().length,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadBefore: os.loadavg(),
      loadAfter: [],
    },
    engineEnv,
    engineLogs: profile.engineLogs,
    ...(values["work-dir"] ? { workDir: values["work-dir"] } : {}),
    validate: [],
    cases: [],
  };
  const file =
    values.json ??
    path.join(projectRoot, "bench", "results", `${out.startedAt.replace(/[:.]/g, "-")}-${label}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const save = () => fs.writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
  try {
    for (let r = 0; r < repeat; r++) {
      for (const n of validateSizes) {
        const v = await timeValidate(work, n);
        say(
          `validate ${n} files: CLI ${v.cliSeconds.toFixed(2)} s, in-process ${v.inProcessSeconds.toFixed(2)} s`,
        );
        out.validate.push(v);
        save();
      }
      for (const latency of latencies) {
        for (const n of sizes) {
          say(
            `load average ${os
              .loadavg()
              .map((l) => l.toFixed(1))
              .join(" ")}`,
          );
          out.cases.push(
            await runCase(
              work,
              n,
              latency,
              runEnv,
              phases,
              values.keep,
              values["cli-args"].split(" ").filter(Boolean),
              values["work-dir"],
            ),
          );
          save();
        }
      }
    }
  } finally {
    out.host.loadAfter = os.loadavg();
    save();
    if (values.keep) say(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  say(`results: ${path.relative(process.cwd(), file)}`);
  if (!values["no-report"]) {
    const { writeReport } = await import("./report.js");
    say(`report: ${path.relative(process.cwd(), writeReport())}`);
  }
}

main().catch((e: unknown) => {
  const r = (e as { commandResult?: { stdout: string; stderr: string } }).commandResult;
  if (r) say(`${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  say(String((e as Error)?.stack ?? e));
  process.exit(1);
});
