/**
 * What the gitops commands ask Git (simple-git over the `git` binary): the commit and branch of the
 * tenant files, uncommitted changes, the files a branch changed, and files at a ref. Paths are relative
 * to the folder the commands were pointed at (`--repo`), which may be a subfolder of the repository.
 */
import { type SimpleGit, simpleGit } from "simple-git";
import type { ChangedFile, FileStatus } from "../plan/report";
import { GitError } from "./errors";

export interface GitState {
  /** The repository's top folder. */
  top: string;
  /** HEAD's full commit id. */
  commit: string;
  /** The checked-out branch; undefined for a detached HEAD. */
  branch: string | undefined;
  /** `git status --porcelain` lines of uncommitted changes (untracked files included, ignored ones not). */
  dirty: string[];
}

/**
 * Git runs with a small environment of our choosing: simple-git refuses to pass variables that change
 * what Git executes (its environment guard), and LC_ALL=C keeps the messages we show in English.
 */
function gitEnv(): Record<string, string> {
  const env: Record<string, string> = { LC_ALL: "C" };
  for (const k of ["PATH", "HOME", "USER", "TMPDIR", "XDG_CONFIG_HOME"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

function git(dir: string): SimpleGit {
  return simpleGit({ baseDir: dir, binary: "git", maxConcurrentProcesses: 2 }).env(gitEnv());
}

function failed(what: string, e: unknown): GitError {
  const text = e instanceof Error ? e.message.trim().split("\n").slice(0, 3).join(" | ") : String(e);
  return new GitError("failed", `${what}: ${text}`, { cause: e });
}

/** Undefined when `dir` is not inside a Git work tree. */
export async function gitState(dir: string): Promise<GitState | undefined> {
  const g = git(dir);
  let inside = false;
  try {
    inside = (await g.raw(["rev-parse", "--is-inside-work-tree"])).trim() === "true";
  } catch (e) {
    if (/not a git repository/i.test(e instanceof Error ? e.message : String(e))) return undefined;
    throw failed(`cannot run git in ${dir}`, e);
  }
  if (!inside) return undefined;
  try {
    const top = (await g.raw(["rev-parse", "--show-toplevel"])).trim();
    const commit = (await g.raw(["rev-parse", "--verify", "HEAD^{commit}"])).trim();
    let branch: string | undefined;
    try {
      branch = (await g.raw(["symbolic-ref", "--quiet", "--short", "HEAD"])).trim() || undefined;
    } catch {
      branch = undefined; // detached HEAD (CI checkouts of a commit)
    }
    const status = await g.raw(["status", "--porcelain=v1", "--untracked-files=all"]);
    const dirty = status.split("\n").filter((l) => l.trim() !== "");
    return { top, commit, branch, dirty };
  } catch (e) {
    throw failed(`cannot read the Git state of ${dir}`, e);
  }
}

/** The full commit id of a ref; a GitError (problem `ref`) when it does not exist. */
export async function resolveCommit(dir: string, ref: string): Promise<string> {
  if (ref.startsWith("-")) throw new GitError("ref", `'${ref}' is not a Git ref`);
  try {
    return (await git(dir).raw(["rev-parse", "--verify", "--end-of-options", `${ref}^{commit}`])).trim();
  } catch (e) {
    throw new GitError(
      "ref",
      `unknown Git ref '${ref}' in ${dir} (fetch it first: git fetch origin ${ref})`,
      {
        cause: e,
      },
    );
  }
}

/** The commit a pull request branched from: the merge base of `base` and HEAD. */
export async function mergeBase(dir: string, base: string): Promise<string> {
  const commit = await resolveCommit(dir, base);
  try {
    return (await git(dir).raw(["merge-base", commit, "HEAD"])).trim();
  } catch (e) {
    throw failed(
      `cannot find where HEAD branched from ${base} (a shallow clone? fetch with full history)`,
      e,
    );
  }
}

/** Whether `commit` is `branch`'s tip or one of its ancestors. */
export async function isAncestor(dir: string, commit: string, branch: string): Promise<boolean> {
  try {
    await git(dir).raw(["merge-base", "--is-ancestor", commit, branch]);
    return true;
  } catch {
    return false;
  }
}

const STATUS: Record<string, FileStatus> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type-changed",
};

/**
 * Files under `paths` that differ between the merge base of `base` and HEAD, and HEAD (`base...HEAD`,
 * what a pull request changes), relative to `dir`, sorted.
 */
export async function changedFiles(
  dir: string,
  base: string,
  paths: readonly string[],
): Promise<ChangedFile[]> {
  await resolveCommit(dir, base);
  let out: string;
  try {
    out = await git(dir).raw([
      "diff",
      "--name-status",
      "-M",
      "--relative",
      "--no-color",
      `${base}...HEAD`,
      "--",
      ...paths,
    ]);
  } catch (e) {
    throw failed(`cannot compare ${base}...HEAD`, e);
  }
  const files: ChangedFile[] = [];
  for (const line of out.split("\n")) {
    if (!line.trim()) continue;
    const [code = "", a = "", b] = line.split("\t");
    const status = STATUS[code[0] ?? ""] ?? "modified";
    files.push(b !== undefined ? { path: b, status, from: a } : { path: a, status });
  }
  return files.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/**
 * The content of the files under `paths` (folders are listed recursively) at `commit`, by path relative
 * to `dir`. Read as bytes: the loader checks the encoding itself.
 */
export async function readFilesAt(
  dir: string,
  commit: string,
  paths: readonly string[],
): Promise<Map<string, Buffer>> {
  const g = git(dir);
  let listing: string;
  try {
    listing = await g.raw(["ls-tree", "-r", "-z", "--name-only", commit, "--", ...paths]);
  } catch (e) {
    throw failed(`cannot list ${paths.join(", ")} at ${commit}`, e);
  }
  const files = new Map<string, Buffer>();
  for (const p of listing.split("\0")) {
    if (!p) continue;
    try {
      files.set(p, await g.showBuffer([`${commit}:./${p}`]));
    } catch (e) {
      throw failed(`cannot read ${p} at ${commit}`, e);
    }
  }
  return files;
}
