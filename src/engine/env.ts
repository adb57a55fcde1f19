import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { ConfigError, EngineError } from "../errors";

/** The project root: the folder that holds Pulumi.yaml and package.json. */
export const projectRoot: string = findProjectRoot(__dirname);

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new ConfigError(`cannot find the quay-gitops project root above ${start}`);
    dir = up;
  }
}

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
      throw new EngineError(`cannot find or build the Pulumi CLI: ${stderr || (e as Error).message}`, undefined, {
        cause: e,
      });
    }
  })();
  return cachedBin;
}

export interface EngineEnvOptions {
  /** The stack the command will run on; decides whether the development passphrase may be used. */
  stack?: string;
  /** Backend URL; default PULUMI_BACKEND_URL, else the local file backend in .state/. */
  backendUrl?: string;
  /** Tests keep PULUMI_HOME in their own temp folder. */
  pulumiHome?: string;
}

/**
 * The environment every engine run gets: our CLI and a Node >= 22 first on PATH, PULUMI_HOME inside the
 * project (nothing lands in the user's home), no update checks or plugin downloads (the machines are offline).
 */
export async function engineEnv(opts: EngineEnvOptions = {}): Promise<Record<string, string>> {
  const bin = await pulumiBinDir();
  const nodeBin = path.dirname(process.execPath);
  const backendUrl = opts.backendUrl ?? process.env.PULUMI_BACKEND_URL ?? localBackendUrl();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    PATH: [bin, nodeBin, path.join(projectRoot, "node_modules", ".bin"), process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_HOME: opts.pulumiHome ?? process.env.PULUMI_HOME ?? path.join(projectRoot, ".cache", "pulumi-home"),
    PULUMI_BACKEND_URL: backendUrl,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false",
  });
  const hasPassphrase = env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
  if (!hasPassphrase && opts.stack === LOCAL_STACK && backendUrl === localBackendUrl()) {
    env.PULUMI_CONFIG_PASSPHRASE = LOCAL_DEV_PASSPHRASE;
  }
  fs.mkdirSync(env.PULUMI_HOME!, { recursive: true });
  if (backendUrl.startsWith("file://")) fs.mkdirSync(backendUrl.slice("file://".length), { recursive: true });
  return env;
}
