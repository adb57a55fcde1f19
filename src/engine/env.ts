import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { EngineError } from "../errors";
import { projectRoot } from "../project";
import { repairFileBackend } from "./repair";
import { type Backend, resolveBackend, resolveSecrets, type SecretsSource, stackConfigPath } from "./backend";

export { projectRoot };

/** The stack whose development passphrase is handled for the user; every other stack needs one from the environment. */
export const LOCAL_STACK = "local";
/**
 * Passphrase of the `local` development stack on the file backend (.state/). It protects nothing but
 * emulator tokens on a developer's machine and is public on purpose: never use it for a real registry.
 */
export const LOCAL_DEV_PASSPHRASE = "quay-gitops-local-development-only";

export const localBackendUrl = (): string => `file://${path.join(projectRoot, ".state")}`;

let cachedBin: Promise<string> | undefined;

/** Runs scripts/ensure-pulumi once per process and returns the folder holding `pulumi`. */
export function pulumiBinDir(): Promise<string> {
  cachedBin ??= (async () => {
    try {
      const { stdout } = await promisify(execFile)(path.join(projectRoot, "scripts", "ensure-pulumi"), [], {
        env: process.env,
        maxBuffer: 16 * 1024 * 1024,
        timeout: 60 * 60 * 1000,
      });
      const dir = stdout.trim().split("\n").pop() ?? "";
      if (!fs.existsSync(path.join(dir, "pulumi"))) throw new Error(`no pulumi in '${dir}'`);
      return dir;
    } catch (e) {
      cachedBin = undefined;
      const stderr = (e as { stderr?: string }).stderr?.trim();
      throw new EngineError(
        `cannot find or build the Pulumi CLI: ${stderr || (e as Error).message}`,
        undefined,
        {
          cause: e,
        },
      );
    }
  })();
  return cachedBin;
}

export interface EngineEnvOptions {
  /** The stack the command will run on; decides whether the development passphrase may be used. */
  stack?: string;
  /** Backend URL (`--backend URL`); default PULUMI_BACKEND_URL, else the local file backend in .state/. */
  backendUrl?: string;
  /** Tests keep PULUMI_HOME in their own temp folder. */
  pulumiHome?: string;
  /**
   * Extra environment for the engine and the program (e.g. QUAY_URL, a test's PULUMI_CONFIG_PASSPHRASE).
   * It overrides the process environment and counts for the backend and passphrase checks.
   */
  env?: Record<string, string>;
  /** The Pulumi project folder, where the stack's config file is looked up; default the project root. */
  workDir?: string;
  /** `--secrets-provider` for a stack that does not use a passphrase (awskms://…, hashivault://…). */
  secretsProvider?: string;
  /**
   * Whether the run needs the stack's secrets key (default: whenever `stack` is given). Pulumi asks for it
   * even to export a state that holds secrets; only commands that never read a stack's state pass false.
   */
  needsSecrets?: boolean;
}

/** What a run will use: the environment, the validated backend and where the secrets key comes from. */
export interface EngineSetup {
  env: Record<string, string>;
  backend: Backend;
  secrets: SecretsSource;
}

/**
 * Checks the backend and the secrets key, then builds the engine environment: our CLI and a Node >= 22
 * first on PATH, PULUMI_HOME inside the project (nothing lands in the user's home), no update checks or
 * plugin downloads (the machines are offline). Throws ConfigError before anything runs when the backend
 * URL is malformed or a stack has no passphrase (docs/state.md).
 */
export async function engineSetup(opts: EngineEnvOptions = {}): Promise<EngineSetup> {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) merged[k] = v;
  Object.assign(merged, opts.env ?? {});
  const backend = resolveBackend({ url: opts.backendUrl, env: merged, localUrl: localBackendUrl() });
  const isLocalBackend = backend.kind === "file" && sameFileUrl(backend.url, localBackendUrl());
  const workDir = opts.workDir ?? projectRoot;
  const secrets =
    opts.needsSecrets === false || opts.stack === undefined
      ? ({ kind: "none-needed" } as const)
      : resolveSecrets({
          stack: opts.stack,
          backend,
          isLocalBackend,
          localStack: LOCAL_STACK,
          env: merged,
          secretsProvider: opts.secretsProvider,
          stackConfigFile: stackConfigPath(workDir, opts.stack),
        });
  const bin = await pulumiBinDir();
  const ownHome = path.join(projectRoot, ".cache", "pulumi-home");
  const nodeBin = path.dirname(process.execPath);
  const env: Record<string, string> = { ...merged };
  Object.assign(env, {
    PATH: [bin, nodeBin, path.join(projectRoot, "node_modules", ".bin"), process.env.PATH ?? ""].join(
      path.delimiter,
    ),
    PULUMI_HOME: opts.pulumiHome ?? merged.PULUMI_HOME ?? ownHome,
    PULUMI_BACKEND_URL: backend.url,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false",
    // The file backend rewrites the whole state after every step, which makes a run quadratic in
    // the number of resources (docs/benchmarks.md). Without checkpoints the state is saved when the
    // run ends, also on errors and on SIGINT; only a SIGKILL loses the run's record, and the next
    // apply repairs that by refreshing and adopting what the killed run created (docs/reliability.md).
    PULUMI_SKIP_CHECKPOINTS: merged.PULUMI_SKIP_CHECKPOINTS ?? "true",
  });
  const hasPassphrase =
    env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
  if (
    secrets.kind === "development-passphrase" ||
    (!hasPassphrase && opts.stack === LOCAL_STACK && isLocalBackend)
  ) {
    env.PULUMI_CONFIG_PASSPHRASE = LOCAL_DEV_PASSPHRASE;
  }
  fs.mkdirSync(env.PULUMI_HOME!, { recursive: true });
  if (path.resolve(env.PULUMI_HOME!) === ownHome)
    setEngineLog(ownHome, merged.QUAY_GITOPS_ENGINE_LOG === "1");
  if (backend.kind === "file") {
    const dir = decodeURIComponent(new URL(backend.url).pathname);
    fs.mkdirSync(dir, { recursive: true });
    // A run killed mid-write can leave the file backend unreadable; the next run repairs it.
    repairFileBackend(dir);
  }
  return { env, backend, secrets };
}

/** The environment every engine run gets (see engineSetup, which also returns the backend and secrets source). */
export async function engineEnv(opts: EngineEnvOptions = {}): Promise<Record<string, string>> {
  return (await engineSetup(opts)).env;
}

/**
 * The Pulumi CLI writes an encrypted debug-level log of every command under PULUMI_HOME/logs (up to
 * ~100 MB for one apply of a large lab) and has no setting to turn it off; it goes without when the
 * folder cannot be made (pkg/logging/encrypted.go: StartLogging). In our own PULUMI_HOME, `logs` is
 * therefore a link to /dev/null unless QUAY_GITOPS_ENGINE_LOG=1 asks for the log (to send to Pulumi
 * support). A PULUMI_HOME the user chose is left alone.
 */
export function setEngineLog(home: string, keep: boolean): void {
  const logs = path.join(home, "logs");
  let isLink = false;
  let exists = false;
  try {
    isLink = fs.lstatSync(logs).isSymbolicLink();
    exists = true;
  } catch {
    // absent
  }
  try {
    if (keep) {
      if (isLink) fs.unlinkSync(logs);
      return;
    }
    if (isLink) return;
    if (exists) fs.rmSync(logs, { recursive: true, force: true });
    fs.symlinkSync("/dev/null", logs);
  } catch (e) {
    // A concurrent run made the same change first; anything else only costs speed.
    if ((e as NodeJS.ErrnoException).code !== "EEXIST" && (e as NodeJS.ErrnoException).code !== "ENOENT") {
      process.emitWarning(`cannot switch the engine's debug log: ${(e as Error).message}`);
    }
  }
}

function sameFileUrl(a: string, b: string): boolean {
  const norm = (u: string) => path.resolve(decodeURIComponent(new URL(u).pathname));
  try {
    return norm(a) === norm(b);
  } catch {
    return false;
  }
}
