import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type EmulatorConfig, type RunningEmulator, startEmulator } from "../../emulator/index";
import { LOCAL_DEV_PASSPHRASE } from "../../src/engine/env";
import { type CliResult, createGitRepo, type GitRepo, runCli } from "./git";
import { SAMPLE_SECRETS } from "./lab";

/**
 * A lab for the CLI as a user runs it (bin/quay-gitops.js on dist/, runCli): the emulator in-process,
 * a Git repository with sample tenant files and the registry file, a work directory (the state
 * backend is its `state`), and the CLI's environment.
 */
export interface CliLab {
  emu: RunningEmulator;
  repo: GitRepo;
  work: string;
  env: Record<string, string>;
  /** bin/quay-gitops.js with `args` on the lab's stack (local), repository and state backend. */
  cli(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  /** A JSON call to the emulator's API (or control API) with the admin's token. */
  api<T = unknown>(method: string, apiPath: string, body?: unknown): Promise<{ status: number; data: T }>;
  close(): Promise<void>;
}

export interface CliLabOptions {
  /** Sample tenant files in the repository (default none). */
  tenants?: string[];
  /** How the CLI signs in: the admin's token (default) or a session (QUAY_USERNAME/QUAY_PASSWORD). */
  auth?: "token" | "session";
  emulatorConfig?: EmulatorConfig;
  /** Prefix of the work directory's name. */
  workPrefix?: string;
  /** Creates `lab-automation`, the existing user the sample registry file names (default true). */
  serviceAccount?: boolean;
  /** Runs on the emulator before the repository is made (objects a test exports). */
  prepare?: (emu: RunningEmulator) => Promise<void>;
  /** Secrets the tenant files read (default SAMPLE_SECRETS). */
  secrets?: Record<string, string>;
}

export async function startCliLab(opts: CliLabOptions = {}): Promise<CliLab> {
  const emu = await startEmulator({
    port: 0,
    quiet: true,
    ...(opts.emulatorConfig ? { config: opts.emulatorConfig } : {}),
  });
  if (opts.serviceAccount ?? true) {
    const res = await fetch(`${emu.url}/api/v1/superuser/users/`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: JSON.stringify({ username: "lab-automation", email: "automation@lab.example" }),
    });
    if (!res.ok) throw new Error(`creating lab-automation: ${res.status} ${await res.text()}`);
  }
  await opts.prepare?.(emu);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), opts.workPrefix ?? "qg-cli-"));
  const repo = createGitRepo({ tenants: opts.tenants ?? [] });
  const credentials =
    opts.auth === "session"
      ? { QUAY_TOKEN: "", QUAY_USERNAME: emu.user, QUAY_PASSWORD: emu.password }
      : // A token run: a session in the caller's environment would win over it.
        { QUAY_TOKEN: emu.token, QUAY_USERNAME: "", QUAY_PASSWORD: "" };
  const env: Record<string, string> = {
    QUAY_URL: emu.url,
    ...credentials,
    PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
    ...(opts.secrets ?? SAMPLE_SECRETS),
    // The run must not depend on where the test runs (CI sets these).
    GITHUB_ACTIONS: "",
    GITLAB_CI: "",
    QUAY_GITOPS_STACK: "",
    QUAY_GITOPS_TENANTS_DIR: "",
    QUAY_GITOPS_REGISTRY_FILE: "",
    QUAY_GITOPS_REPO: "",
    QUAY_GITOPS_APPLY_BRANCH: "",
  };
  const stateArgs = [
    "--stack",
    "local",
    "--repo",
    repo.dir,
    "--backend",
    `file://${path.join(work, "state")}`,
  ];
  return {
    emu,
    repo,
    work,
    env,
    cli: (args, extraEnv = {}) => runCli([...args, ...stateArgs], { ...env, ...extraEnv }),
    async api<T = unknown>(method: string, apiPath: string, body?: unknown) {
      const res = await fetch(`${emu.url}${apiPath}`, {
        method,
        headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T };
    },
    async close() {
      await emu.close();
      repo.dispose();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
