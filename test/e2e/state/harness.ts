import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { openStack } from "../../../src/engine/automation";
import { engineEnv, projectRoot } from "../../../src/engine/env";

/**
 * Shared pieces of the state-backend e2e tests: the engine-proof fixture project (a dynamic provider
 * over HTTP, independent of the main program), unique stack names (other test files use the same
 * fixture folder), and the Pulumi CLI run directly as a child process that a test can SIGKILL.
 */
export const proofDir = path.join(projectRoot, "test", "fixtures", "engine-proof");
/** Test-only passphrase for throwaway backends (no default passphrase exists outside `local`). */
export const TEST_PASSPHRASE = "state-e2e-test-only";
export const ITEMS = { alpha: "1", beta: "2", gamma: "3" };

export function uniqueStack(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
}

export function stackConfigFile(stack: string): string {
  return path.join(proofDir, `Pulumi.${stack}.yaml`);
}

/** Removes the stack config files the tests wrote into the fixture folder (ignored by Git). */
export function removeStackConfig(...stacks: string[]): void {
  for (const s of stacks) fs.rmSync(stackConfigFile(s), { force: true });
}

export interface ProofStackOptions {
  stack: string;
  backendUrl: string;
  kvUrl: string;
  items?: Record<string, string>;
  env?: Record<string, string>;
}

/** Opens (creating if needed) an engine-proof stack on a backend and sets its config. */
export async function openProofStack(opts: ProofStackOptions): Promise<Stack> {
  const stack = await openStack({
    stack: opts.stack,
    workDir: proofDir,
    backendUrl: opts.backendUrl,
    env: { PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE, ...(opts.env ?? {}) },
  });
  await stack.setAllConfig({
    "engine-proof:url": { value: opts.kvUrl },
    "engine-proof:items": { value: JSON.stringify(opts.items ?? ITEMS) },
    // A secret, so that backups and restores carry encrypted values (never plaintext).
    "engine-proof:token": { value: "proof-secret-value", secret: true },
  });
  return stack;
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process exits (code, or null when killed by a signal). */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** SIGKILLs the CLI and every process it started (language host, program, provider), like a dead CI runner. */
  killGroup(): void;
}

/** Runs the project's Pulumi CLI directly (not through the Automation API), in its own process group. */
export async function runPulumi(
  args: string[],
  opts: { stack: string; backendUrl: string; env?: Record<string, string>; stackFlag?: boolean },
): Promise<CliRun> {
  const env = await engineEnv({
    stack: opts.stack,
    workDir: proofDir,
    backendUrl: opts.backendUrl,
    env: { PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE, ...(opts.env ?? {}) },
  });
  const stackArgs = opts.stackFlag === false ? [] : ["--stack", opts.stack];
  const child = spawn("pulumi", [...args, ...stackArgs, "--non-interactive"], {
    cwd: proofDir,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c) => {
    stdout += c;
  });
  child.stderr?.on("data", (c) => {
    stderr += c;
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    killGroup() {
      if (child.pid === undefined) return;
      // The CLI starts the language host and provider plugins in process groups of their own, so a group
      // kill would leave them behind: take the whole process tree at once, as a dying runner would.
      for (const pid of [child.pid, ...descendants(child.pid)]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    },
  };
}

/** All processes below `root` (children, grandchildren, …), from `ps`. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" }).split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid === undefined || ppid === undefined || Number.isNaN(pid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** `pulumi stack export` parsed: the checkpoint must be valid JSON with a deployment. */
export async function exportedDeployment(
  stack: string,
  backendUrl: string,
  env: Record<string, string> = {},
): Promise<{ resources?: { urn: string; type: string }[]; pending_operations?: unknown[] }> {
  const run = await runPulumi(["stack", "export"], { stack, backendUrl, env });
  const r = await run.done;
  if (r.code !== 0) throw new Error(`pulumi stack export failed (${r.code}): ${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as { version: number; deployment: Record<string, unknown> };
  if (parsed.version !== 3 || typeof parsed.deployment !== "object")
    throw new Error("unexpected export format");
  return parsed.deployment as { resources?: { urn: string; type: string }[]; pending_operations?: unknown[] };
}
