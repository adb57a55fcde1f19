import { randomBytes } from "node:crypto";
import * as fs from "node:fs";

/**
 * Processes started by one test run, found by an environment variable every descendant inherits: the
 * CLI passes its environment to the Pulumi engine, which passes it to the language host and to the
 * dynamic-provider processes. A SIGKILL of the CLI's process group does not reach the providers (the
 * engine starts each plugin in a process group of its own), so a killed apply leaves them running.
 * Linux only (/proc).
 */
export const PROCESS_MARK_ENV = "QUAY_GITOPS_TEST_PROCESS_MARK";

export const newProcessMark = (): string => randomBytes(8).toString("hex");

export interface MarkedProcess {
  pid: number;
  command: string;
}

export function markedProcesses(mark: string): MarkedProcess[] {
  const needle = `${PROCESS_MARK_ENV}=${mark}`;
  const out: MarkedProcess[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (!environ.split("\0").includes(needle)) continue;
    let command = "";
    try {
      command = fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim();
    } catch {}
    out.push({ pid, command });
  }
  return out;
}

/** SIGKILLs every process of the mark and waits until none is left; answers what it found. */
export async function killMarked(mark: string, timeoutMs = 10_000): Promise<MarkedProcess[]> {
  const found = markedProcesses(mark);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = markedProcesses(mark);
    if (left.length === 0) return found;
    if (Date.now() > deadline) return found;
    for (const p of left) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {}
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits (up to `timeoutMs`) for the processes of a run that ended to exit by themselves; answers those left. */
export async function leftAfter(mark: string, timeoutMs = 5_000): Promise<MarkedProcess[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = markedProcesses(mark);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
