import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LOCAL_DEV_PASSPHRASE, projectRoot } from "../../src/engine/env";
import { type RawEntry, readLog } from "../helpers/audit-scenario";
import { type CliResult, createGitRepo, type GitRepo, runCli } from "../helpers/git";
import { SAMPLE_SECRETS } from "../helpers/lab";
import { killMarked, type MarkedProcess, newProcessMark, PROCESS_MARK_ENV } from "../helpers/processes";
import type { Api, CredentialSet, RealQuay } from "./quay";

/**
 * A lab on the real Quay: the sample tenant tenants/acme.yaml under a run-prefixed name (organization,
 * users and e-mail addresses: Quay wants e-mail addresses unique), a registry file adapted to it (the
 * baseline's service account is a run-prefixed user the test creates), a Git repository holding both,
 * and a throwaway state backend. The CLI runs as a user would run it: bin/quay-gitops.js on dist/.
 */

/** tenants/acme.yaml with every name of the tenant rewritten to `tenant`. */
export function tenantText(tenant: string): string {
  return fs
    .readFileSync(path.join(projectRoot, "tenants", "acme.yaml"), "utf8")
    .replace(/acme-(alice|bob)/g, `${tenant}-$1`)
    .replace(/^(\s*name: )acme$/gm, `$1${tenant}`)
    .replace(/acme\.example/g, `${tenant}.example`);
}

/** stacks/local.registry.yaml with the baseline's service account replaced by `serviceAccount`. */
export function registryText(serviceAccount: string): string {
  const text = fs
    .readFileSync(path.join(projectRoot, "stacks", "local.registry.yaml"), "utf8")
    .replace("existing: [admin, lab-automation]", `existing: [admin, ${serviceAccount}]`)
    .replace("- user: lab-automation", `- user: ${serviceAccount}`);
  if (!text.includes(serviceAccount))
    throw new Error("stacks/local.registry.yaml changed: adapt registryText");
  return text;
}

export interface QuayLab {
  tenant: string;
  repo: GitRepo;
  backend: string;
  env: Record<string, string>;
  cli(...args: string[]): Promise<CliResult>;
  dispose(): Promise<void>;
}

/** What a lab holds besides the defaults: another tenant file, registry file, or environment. */
export interface LabOptions {
  /** The tenant file (default: tenants/acme.yaml renamed, tenantText). */
  tenant?: string;
  /** The registry file (default: registryText). */
  registry?: string;
  /** More environment for the CLI (secrets a tenant file references). */
  env?: Record<string, string>;
}

export function createLab(
  q: RealQuay,
  cred: CredentialSet,
  tenant: string,
  serviceAccount: string,
  options: LabOptions = {},
): QuayLab {
  const repo = createGitRepo({ tenants: [], registry: options.registry ?? registryText(serviceAccount) });
  repo.write(`tenants/${tenant}.yaml`, options.tenant ?? tenantText(tenant));
  repo.commit(`Onboard ${tenant}`);
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "qg-accept-state-"));
  const mark = newProcessMark();
  const env: Record<string, string> = {
    QUAY_URL: q.url,
    ...cred.env,
    PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
    ...SAMPLE_SECRETS,
    ...options.env,
    // The run must not depend on where the test runs (CI sets these).
    GITHUB_ACTIONS: "",
    GITLAB_CI: "",
    QUAY_GITOPS_TENANTS_DIR: "",
    QUAY_GITOPS_REGISTRY_FILE: "",
    QUAY_GITOPS_REPO: "",
    QUAY_GITOPS_APPLY_BRANCH: "",
    QUAY_GITOPS_STACK: "",
    PULUMI_BACKEND_URL: "",
    [PROCESS_MARK_ENV]: mark,
  };
  const common = ["--stack", "local", "--repo", repo.dir, "--backend", `file://${backend}`];
  return {
    tenant,
    repo,
    backend,
    env,
    cli: (...args) => runCli([...args, ...common], env),
    async dispose() {
      await killMarked(mark);
      repo.dispose();
      fs.rmSync(backend, { recursive: true, force: true });
    },
  };
}

/**
 * `quay-gitops apply` started on its own and killed with SIGKILL, with its whole process group, once it
 * reported `after` finished steps; then the processes the kill does not reach (the engine's plugins
 * run in process groups of their own) are found by their mark and killed too.
 */
export async function killApplyMidway(
  lab: QuayLab,
  after: number,
): Promise<{ steps: number; exited: boolean; orphans: MarkedProcess[] }> {
  const mark = newProcessMark();
  const child = spawn(
    process.execPath,
    [
      path.join(projectRoot, "bin", "quay-gitops.js"),
      "apply",
      "--stack",
      "local",
      "--repo",
      lab.repo.dir,
      "--backend",
      `file://${lab.backend}`,
    ],
    {
      env: { ...process.env, ...lab.env, [PROCESS_MARK_ENV]: mark },
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    },
  );
  let steps = 0;
  let killed = false;
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  child.stderr!.setEncoding("utf8");
  let pending = "";
  child.stderr!.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (/^ {2}(created|updated|deleted|replaced) /.test(line)) steps++;
    if (!killed && steps >= after) {
      killed = true;
      process.kill(-child.pid!, "SIGKILL");
    }
  });
  await exited;
  const orphans = await killMarked(mark);
  return { steps, exited: !killed, orphans };
}

/** Quay's clock now, from the Date header of an answer that costs Quay nothing (no credentials). */
export async function quayNow(url: string): Promise<Date> {
  const res = await fetch(`${url}/api/v1/user/`);
  await res.arrayBuffer();
  const date = res.headers.get("date");
  if (!date) throw new Error("Quay sent no Date header");
  return new Date(Date.parse(date));
}

/** The organization's audit log entries from `since` (Quay's clock, whole seconds) on. */
export async function orgEntriesSince(api: Api, org: string, since: Date): Promise<RawEntry[]> {
  const entries = await readLog(
    api,
    `/api/v1/organization/${org}/logs`,
    since,
    (e) => Date.parse(e.datetime) < since.getTime(),
  );
  return entries;
}

/** The superuser log's entries from `since` on about the given users. */
export async function userEntriesSince(
  api: Api,
  users: (name: string) => boolean,
  since: Date,
): Promise<RawEntry[]> {
  const entries = await readLog(
    api,
    "/api/v1/superuser/logs",
    since,
    (e) => Date.parse(e.datetime) < since.getTime(),
  );
  return entries.filter(
    (e) =>
      e.kind.startsWith("user_") && typeof e.metadata?.username === "string" && users(e.metadata.username),
  );
}

/** Deletes every organization and user whose name starts with `prefix`, and nothing else. */
export async function removeRun(api: Api, prefix: string): Promise<string[]> {
  const problems: string[] = [];
  const orgs = await api<{ organizations: { name: string }[] }>("GET", "/api/v1/superuser/organizations/");
  for (const { name } of orgs.data.organizations ?? []) {
    if (!name.startsWith(prefix)) continue;
    const r = await api("DELETE", `/api/v1/organization/${name}`);
    if (r.status !== 204) problems.push(`organization ${name}: ${r.status}`);
  }
  const users = await api<{ users: { username: string }[] }>("GET", "/api/v1/superuser/users/");
  for (const { username } of users.data.users ?? []) {
    if (!username.startsWith(prefix)) continue;
    const r = await api("DELETE", `/api/v1/superuser/users/${username}`);
    if (r.status !== 204) problems.push(`user ${username}: ${r.status}`);
  }
  return problems;
}

/** `quay-gitops drift --json`, the part of it the acceptance scenarios read. */
export type DriftJson = {
  objects: {
    kind: string;
    name: string;
    status?: "changed" | "deleted";
    fields: {
      field: string;
      desired?: unknown;
      live?: unknown;
      attribution?: Record<string, unknown>;
      attributionNote?: string;
    }[];
    attribution?: Record<string, unknown>;
    attributionNote?: string;
  }[];
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
