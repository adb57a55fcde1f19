import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { type EmulatorConfig, startEmulator } from "../../emulator/index";
import { openStack } from "../../src/engine/automation";
import { LOCAL_DEV_PASSPHRASE, projectRoot } from "../../src/engine/env";

/**
 * A lab for e2e tests: the emulator in-process, a copy of tenants/ to edit, and the `local` stack
 * on a throwaway file backend. The stack's config file (stacks/Pulumi.local.yaml) is only read:
 * everything a test varies comes through the environment.
 */
export interface Lab {
  url: string;
  token: string;
  /** The emulator admin's password (what a session lab signs in with). */
  password: string;
  stack: Stack;
  tenantsDir: string;
  backendDir: string;
  env: Record<string, string>;
  /** Authenticated JSON call to the emulator's API (or control API). */
  api<T = unknown>(method: string, apiPath: string, body?: unknown): Promise<{ status: number; data: T }>;
  /** Mutating requests the emulator has served since the last reset. */
  writes(): Promise<number>;
  resetStats(): Promise<void>;
  editTenant(name: string, edit: (text: string) => string): void;
  close(): Promise<void>;
}

/** Mirror and proxy-cache passwords the sample tenants read from the environment. */
export const SAMPLE_SECRETS: Record<string, string> = {
  ACME_MIRROR_PASSWORD: "acme-mirror-pw-0001",
  GLOBEX_MIRROR_PASSWORD: "globex-mirror-pw-0002",
  INITECH_DOCKERHUB_TOKEN: "initech-dockerhub-pw-0003",
};

export async function startLab(
  opts: {
    tenants?: string;
    stack?: string;
    emulatorConfig?: EmulatorConfig;
    /** How the engine's Quay clients authenticate: the admin token (default) or a session sign-in. */
    auth?: "token" | "session";
    /** More environment for the engine (a registry file, secrets a tenant references). */
    env?: Record<string, string>;
    /** A registry file instead of the stack's (`QUAY_GITOPS_REGISTRY_FILE`). */
    registryFile?: string;
  } = {},
): Promise<Lab> {
  const emu = await startEmulator({
    port: 0,
    quiet: true,
    ...(opts.emulatorConfig ? { config: opts.emulatorConfig } : {}),
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-lab-"));
  const tenantsDir = path.join(work, "tenants");
  fs.cpSync(opts.tenants ?? path.join(projectRoot, "tenants"), tenantsDir, { recursive: true });
  const backendDir = path.join(work, "state");
  fs.mkdirSync(backendDir);

  const api = async <T>(method: string, apiPath: string, body?: unknown) => {
    const res = await fetch(`${emu.url}${apiPath}`, {
      method,
      headers: {
        authorization: `Bearer ${emu.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let data: unknown = text;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, data: data as T };
  };

  // The registry file lists `lab-automation` as an existing user (not owned by a tenant).
  await api("POST", "/api/v1/superuser/users/", {
    username: "lab-automation",
    email: "automation@lab.example",
  });

  const credentials: Record<string, string> =
    opts.auth === "session"
      ? { QUAY_USERNAME: emu.user, QUAY_PASSWORD: emu.password, QUAY_TOKEN: "" }
      : { QUAY_TOKEN: emu.token };
  const env: Record<string, string> = {
    QUAY_URL: emu.url,
    ...credentials,
    QUAY_GITOPS_TENANTS_DIR: tenantsDir,
    ...(opts.registryFile ? { QUAY_GITOPS_REGISTRY_FILE: opts.registryFile } : {}),
    PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
    ...SAMPLE_SECRETS,
    ...opts.env,
  };
  const stack = await openStack({ stack: opts.stack ?? "local", backendUrl: `file://${backendDir}`, env });

  return {
    url: emu.url,
    token: emu.token,
    password: emu.password,
    stack,
    tenantsDir,
    backendDir,
    env,
    api,
    async writes() {
      const { data } = await api<{ writes: number }>("GET", "/_emulator/stats");
      return data.writes;
    },
    async resetStats() {
      await api("POST", "/_emulator/stats/reset");
    },
    editTenant(name, edit) {
      const file = path.join(tenantsDir, `${name}.yaml`);
      fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8")));
    },
    async close() {
      await emu.close();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
