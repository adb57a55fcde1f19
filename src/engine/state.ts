import * as fs from "node:fs";
import * as path from "node:path";
import type { Deployment } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { ConfigError } from "../errors";
import { openStack, runPulumiCli } from "./automation";
import { stackConfigPath } from "./backend";
import { type EngineEnvOptions, engineSetup, projectRoot } from "./env";
import { mapEngineError } from "./errors";

/**
 * Backup and restore of one stack's state (docs/state.md, Backup): `pulumi stack export` / `import`
 * through the Automation API. The backup file is exactly what `pulumi stack export` writes (so a plain
 * `pulumi stack import --file` can read it too), without `--show-secrets`: secret values stay
 * ciphertext, and the file alone is useless without the stack's passphrase.
 *
 * The passphrase salt travels inside the file (`deployment.secrets_providers.state.salt`, the same value
 * as `encryptionsalt:` in the stack's config file); the passphrase itself never does. A restore keeps an
 * existing config file as it is (in this project it is in Git, stacks/Pulumi.<stack>.yaml) and writes
 * the backup's salt into a missing one, so the restored stack keeps the key its state was written with.
 */

export interface StateOptions extends EngineEnvOptions {
  stack: string;
  /** The Pulumi project folder; default the quay-gitops project root. */
  workDir?: string;
}

export interface BackupResult {
  file: string;
  resources: number;
  bytes: number;
  backend: string;
}

interface SecretsProviders {
  type?: string;
  state?: { salt?: string } & Record<string, unknown>;
}

/** Pulumi's secret envelope key in state files; `plaintext` beside it means a decrypted export. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Fails when any secret in the deployment is in plaintext (an export made with --show-secrets). */
export function assertSecretsEncrypted(value: unknown, where: string): void {
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (v === null || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    if (SECRET_SIG in o && "plaintext" in o) {
      throw new ConfigError(
        `${where} holds a secret in plaintext (an export made with --show-secrets?); ` +
          "quay-gitops keeps backups encrypted: export again without --show-secrets",
      );
    }
    for (const x of Object.values(o)) walk(x);
  };
  walk(value);
}

function resourceCount(d: Deployment): number {
  const resources = (d.deployment as { resources?: unknown[] } | undefined)?.resources;
  return Array.isArray(resources) ? resources.length : 0;
}

/** `pulumi stack export` without --show-secrets, parsed. */
async function exportDeployment(opts: StateOptions): Promise<Deployment> {
  const { stdout } = await runPulumiCli(["stack", "export", "--stack", opts.stack], opts);
  return JSON.parse(stdout) as Deployment;
}

/** Writes the stack's state to `file` (0600, via a temp file and rename). */
export async function backupStack(file: string, opts: StateOptions): Promise<BackupResult> {
  // Export keeps the ciphertext as stored, but Pulumi still builds the stack's secrets manager to read the
  // state, so it needs the passphrase (and checks it: a wrong one fails with "incorrect passphrase").
  // Not LocalWorkspace.exportStack: it always adds --show-secrets.
  const setup = await engineSetup(opts);
  let deployment: Deployment;
  try {
    deployment = await exportDeployment(opts);
  } catch (e) {
    throw mapEngineError(e, { stack: opts.stack, backendUrl: setup.backend.url });
  }
  assertSecretsEncrypted(deployment, `the state of stack '${opts.stack}'`);
  const text = `${JSON.stringify(deployment, null, 4)}\n`;
  const abs = path.resolve(file);
  const tmp = `${abs}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, abs);
  return {
    file: abs,
    resources: resourceCount(deployment),
    bytes: Buffer.byteLength(text),
    backend: setup.backend.display,
  };
}

/** Reads and checks a backup file. */
export function readBackup(file: string): Deployment {
  let raw: string;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read the backup file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new ConfigError(`${file} is not a state backup (not JSON: ${(e as Error).message})`);
  }
  const d = parsed as Partial<Deployment> | null;
  if (
    !d ||
    typeof d !== "object" ||
    typeof d.version !== "number" ||
    !d.deployment ||
    typeof d.deployment !== "object"
  ) {
    throw new ConfigError(
      `${file} is not a state backup (expected the JSON of \`pulumi stack export\`: {version, deployment})`,
    );
  }
  if (d.version !== 3)
    throw new ConfigError(`${file}: unsupported state format version ${d.version} (expected 3)`);
  assertSecretsEncrypted(d, file);
  return d as Deployment;
}

/** The stack a backup was taken from (project and stack name), from its root stack resource's URN. */
export function backupOrigin(d: Deployment): { project: string; stack: string } | undefined {
  const resources = (d.deployment as { resources?: { urn?: string; type?: string }[] }).resources ?? [];
  const root = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  // urn:pulumi:<stack>::<project>::pulumi:pulumi:Stack::<project>-<stack>
  const m = root?.urn ? /^urn:pulumi:([^:]+)::([^:]+)::/.exec(root.urn) : null;
  return m?.[1] && m[2] ? { stack: m[1], project: m[2] } : undefined;
}

function backupSalt(d: Deployment): string | undefined {
  const sp = (d.deployment as { secrets_providers?: SecretsProviders }).secrets_providers;
  return sp?.type === "passphrase" && typeof sp.state?.salt === "string" ? sp.state.salt : undefined;
}

export interface RestoreOptions extends StateOptions {
  /** Overwrite a stack that already holds resources in the target backend. */
  force?: boolean;
}

export interface RestoreResult {
  resources: number;
  backend: string;
  /** What happened to the stack's config file: kept as is, or written with the backup's salt. */
  config: "kept" | "salt-written" | "salt-added";
  configFile: string;
}

/**
 * Imports a backup into the stack on the chosen backend (creating the stack there when needed). Refuses
 * to overwrite a stack that already has resources unless `force`, and a backup of another project/stack.
 */
export async function restoreStack(file: string, opts: RestoreOptions): Promise<RestoreResult> {
  const backup = readBackup(file);
  const workDir = opts.workDir ?? projectRoot;
  const origin = backupOrigin(backup);
  const projectName = readProjectName(workDir);
  if (origin && origin.project !== projectName) {
    throw new ConfigError(
      `${file} is a backup of project '${origin.project}', not of '${projectName}' (in ${workDir})`,
    );
  }
  if (origin && origin.stack !== opts.stack) {
    // Resource URNs name the stack; importing them under another name would leave state that no program run matches.
    throw new ConfigError(
      `${file} is a backup of stack '${origin.stack}'; restore it with --stack ${origin.stack}`,
    );
  }
  const configFile = stackConfigPath(workDir, opts.stack);
  const config = ensureSalt(configFile, backupSalt(backup));
  const setup = await engineSetup(opts);
  const ctx = { stack: opts.stack, backendUrl: setup.backend.url };
  try {
    // Creating the stack checks the passphrase against the salt in its config file ("incorrect passphrase").
    await openStack({ ...opts, create: true });
    const current = await exportDeployment(opts);
    if (resourceCount(current) > 0 && !opts.force) {
      throw new ConfigError(
        `stack '${opts.stack}' on ${setup.backend.display} already holds ${resourceCount(current)} resources; ` +
          "restore replaces them: pass --force if that is what you want (take a backup first)",
      );
    }
    // Straight from the checked file (LocalWorkspace.importStack copies it to a world-readable temp file).
    await runPulumiCli(["stack", "import", "--file", path.resolve(file), "--stack", opts.stack], opts);
    return { resources: resourceCount(backup), backend: setup.backend.display, config, configFile };
  } catch (e) {
    throw mapEngineError(e, ctx);
  }
}

function readProjectName(workDir: string): string {
  const file = path.join(workDir, "Pulumi.yaml");
  let name: unknown;
  try {
    name = (parseDocument(fs.readFileSync(file, "utf8")).toJS() as { name?: unknown } | null)?.name;
  } catch (e) {
    throw new ConfigError(`cannot read the Pulumi project file ${file}: ${(e as Error).message}`);
  }
  if (typeof name !== "string") throw new ConfigError(`${file} has no project name`);
  return name;
}

/** Writes `encryptionsalt:` from the backup into a missing or salt-less passphrase stack config file. */
function ensureSalt(configFile: string, salt: string | undefined): RestoreResult["config"] {
  if (salt === undefined) return "kept";
  if (!fs.existsSync(configFile)) {
    fs.mkdirSync(path.dirname(configFile), { recursive: true });
    fs.writeFileSync(
      configFile,
      "# Written by `quay-gitops state restore`: the passphrase salt of the restored state.\n" +
        `encryptionsalt: ${salt}\n`,
    );
    return "salt-written";
  }
  const doc = parseDocument(fs.readFileSync(configFile, "utf8"));
  const js = (doc.toJS() ?? {}) as { encryptionsalt?: unknown; secretsprovider?: unknown };
  if (js.encryptionsalt !== undefined) return "kept";
  if (js.secretsprovider !== undefined && js.secretsprovider !== "passphrase") return "kept";
  doc.set("encryptionsalt", salt);
  fs.writeFileSync(configFile, doc.toString());
  return "salt-added";
}
