/**
 * Where the tenant files of a run come from: the working tree of the repository (`--repo`, default the
 * quay-gitops project), or the tree of a Git ref (`--ref`), copied into a temporary folder with the same
 * layout so file names in messages stay `tenants/acme.yaml`. The Pulumi program is pointed at that
 * folder (QUAY_GITOPS_REPO, QUAY_GITOPS_TENANTS_DIR, QUAY_GITOPS_REGISTRY_FILE), so the preview, the
 * validation and the apply all read the same files.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../errors";
import { type LoadResult, loadDesiredState } from "../tenant";
import { GitError } from "./errors";
import { gitState, readFilesAt, resolveCommit } from "./git";
import type { StackSettings } from "./settings";

export interface TenantSource {
  /** The folder the tenant and registry paths are relative to (the repository, or a temporary copy). */
  root: string;
  /** Relative to root, `/` separators. */
  tenantsDir: string;
  registryFile: string;
  /** The commit the files come from: HEAD of the repository, or the ref's commit; undefined outside Git. */
  commit: string | undefined;
  /** The checked-out branch (working tree only). */
  branch: string | undefined;
  /** `--ref` as given, when the files come from a ref. */
  ref: string | undefined;
  /** The repository folder (`--repo`), where Git runs. */
  repo: string;
  /** Removes a temporary copy; nothing for the working tree. */
  dispose(): void;
}

/** A path from the stack config, relative to the repository, checked to stay inside it. */
function relativeInRepo(repo: string, p: string, what: string): string {
  const abs = path.resolve(repo, p);
  const rel = path.relative(repo, abs);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new ConfigError(
      `${what} '${p}' is outside the repository ${repo}; with --ref it must be inside it`,
    );
  }
  return rel.split(path.sep).join("/");
}

export async function openTenantSource(opts: {
  repo: string;
  settings: Pick<StackSettings, "tenantsDir" | "registryFile">;
  ref?: string | undefined;
}): Promise<TenantSource> {
  const repo = path.resolve(opts.repo);
  if (!fs.existsSync(repo)) throw new ConfigError(`the repository folder ${repo} does not exist (--repo)`);
  if (opts.ref === undefined) {
    const state = await gitState(repo);
    return {
      root: repo,
      tenantsDir: opts.settings.tenantsDir,
      registryFile: opts.settings.registryFile,
      commit: state?.commit,
      branch: state?.branch,
      ref: undefined,
      repo,
      dispose() {},
    };
  }
  const state = await gitState(repo);
  if (!state)
    throw new GitError("not-a-repository", `--ref needs a Git repository, and ${repo} is not in one`);
  const tenantsDir = relativeInRepo(repo, opts.settings.tenantsDir, "the tenants folder");
  const registryFile = relativeInRepo(repo, opts.settings.registryFile, "the registry file");
  const commit = await resolveCommit(repo, opts.ref);
  const files = await readFilesAt(repo, commit, [tenantsDir, registryFile]);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "quay-gitops-ref-"));
  try {
    for (const [rel, content] of files) {
      const abs = path.join(root, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
    }
    // An empty tenants folder at that ref still is a folder (the loader reports a missing one).
    fs.mkdirSync(path.join(root, tenantsDir), { recursive: true });
  } catch (e) {
    fs.rmSync(root, { recursive: true, force: true });
    throw e;
  }
  return {
    root,
    tenantsDir,
    registryFile,
    commit,
    branch: undefined,
    ref: opts.ref,
    repo,
    dispose() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Loads and validates the source's files (the same loader as `quay-gitops validate`). */
export function loadSource(source: TenantSource, now: Date): LoadResult {
  return loadDesiredState({
    root: source.root,
    tenantsDir: source.tenantsDir,
    registryFile: source.registryFile,
    now,
  });
}

/** Environment for the Pulumi program: read exactly these files (src/program/index.ts). */
export function programEnv(source: TenantSource): Record<string, string> {
  return {
    QUAY_GITOPS_REPO: source.root,
    QUAY_GITOPS_TENANTS_DIR: source.tenantsDir,
    QUAY_GITOPS_REGISTRY_FILE: source.registryFile,
  };
}
