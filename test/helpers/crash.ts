import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator/index";
import { LOCAL_DEV_PASSPHRASE, projectRoot } from "../../src/engine/env";
import { fingerprint } from "./fingerprint";
import { createGitRepo, type GitRepo, runCli } from "./git";
import { SAMPLE_SECRETS } from "./lab";
import {
  killMarked,
  leftAfter,
  type MarkedProcess,
  markedProcesses,
  newProcessMark,
  PROCESS_MARK_ENV,
} from "./processes";

// Crashes: the whole apply (our CLI, the Pulumi engine, the language host and the provider
// processes) is killed with SIGKILL at many points; each time the next `quay-gitops apply` converges
// with no manual step, and the registry equals the one an uninterrupted apply makes.

/**
 * `points` kill points spread over the uninterrupted apply's writes, from the first to the last few.
 * `npm test` runs 3 (test/e2e/reliability/crash.test.ts); `npm run test:soak` runs 12.
 */
export function crashSuite(points: number): void {
  describe(`apply killed with SIGKILL at ${points} points`, () => {
    let emu: RunningEmulator;
    let repo: GitRepo;
    let work: string;
    let expected: string[];
    let total = 0;
    const orphans: MarkedProcess[] = [];
    const api = async <T>(method: string, p: string, body?: unknown) => {
      const res = await fetch(`${emu.url}${p}`, {
        method,
        headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T };
    };
    const env = () => ({
      QUAY_URL: emu.url,
      QUAY_TOKEN: emu.token,
      PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
      ...SAMPLE_SECRETS,
      GITHUB_ACTIONS: "",
      QUAY_GITOPS_TENANTS_DIR: "",
      QUAY_GITOPS_REGISTRY_FILE: "",
      QUAY_GITOPS_REPO: "",
    });
    const args = (backend: string) => [
      "apply",
      "--stack",
      "local",
      "--repo",
      repo.dir,
      "--backend",
      `file://${backend}`,
    ];

    /** A registry as the lab admins leave it: empty but for the automation's service account. */
    async function freshRegistry() {
      await api("POST", "/_emulator/reset");
      await api("POST", "/api/v1/superuser/users/", {
        username: "lab-automation",
        email: "automation@lab.example",
      });
    }

    beforeAll(async () => {
      emu = await startEmulator({ port: 0, quiet: true });
      work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-crash-"));
      repo = createGitRepo({ tenants: ["acme"] });
      await freshRegistry();
      emu.resetStats();
      const clean = await runCli(args(path.join(work, "clean")), env());
      expect(clean.code, clean.stderr).toBe(0);
      total = emu.stats().writes;
      expected = await fingerprint({ api });
    });

    afterAll(async () => {
      if (orphans.length > 0)
        console.info(
          `killed ${orphans.length} processes the SIGKILLed applies left: ${[...new Set(orphans.map((o) => o.command.split(" ").slice(0, 2).join(" ")))].join("; ")}`,
        );
      await emu?.close();
      repo?.dispose();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it.each(Array.from({ length: points }, (_, i) => i))(
      "kill point %i: the next apply converges",
      async (i) => {
        // From the first write to the last few: 1, then evenly up to total - 1.
        const n = Math.max(1, Math.round(1 + (i * (total - 2)) / Math.max(1, points - 1)));
        await freshRegistry();
        // Writes take a while, so the kill lands between steps of the engine, not after it finished.
        emu.setFaults({ seed: n, latencyMs: 15, jitterMs: 10 });
        emu.resetStats();
        const backend = path.join(work, `kill-${n}`);
        const killedRun = newProcessMark();
        const child = spawn(
          process.execPath,
          [path.join(projectRoot, "bin", "quay-gitops.js"), ...args(backend)],
          {
            env: { ...process.env, ...env(), [PROCESS_MARK_ENV]: killedRun },
            stdio: "ignore",
            detached: true,
          },
        );
        const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
        let killed = false;
        while (!killed) {
          if (emu.stats().writes >= n) {
            process.kill(-child.pid!, "SIGKILL");
            killed = true;
          } else if (child.exitCode !== null) break;
          else await new Promise((r) => setTimeout(r, 5));
        }
        await exited;
        expect(killed, "the apply finished before the kill point").toBe(true);
        // The engine's plugins run in process groups of their own and outlive the kill: the killed
        // run's dynamic providers would keep running (and holding memory) after the test.
        orphans.push(...(await killMarked(killedRun)));
        expect(markedProcesses(killedRun)).toEqual([]);
        emu.clearFaults();
        const nextRun = newProcessMark();
        const next = await runCli(args(backend), { ...env(), [PROCESS_MARK_ENV]: nextRun });
        expect(next.code, `${next.stdout}\n${next.stderr}`).toBe(0);
        expect(await fingerprint({ api })).toEqual(expected);
        // A run that ends by itself leaves nothing behind.
        expect(await leftAfter(nextRun)).toEqual([]);
      },
    );
  });
}
