import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../../src/engine/env";

/**
 * A throwaway Git repository laid out like a lab's gitops repository: `tenants/` and
 * `stacks/<stack>.registry.yaml`, committed on `main`. The gitops commands are pointed at it with
 * `--repo DIR`; with no `stacks/Pulumi.<stack>.yaml` of its own, the stack's config file is the quay-gitops
 * project's (src/engine/project-dir.ts).
 */
export interface GitRepo {
  dir: string;
  git(...args: string[]): string;
  /** Writes a file relative to the repository. */
  write(rel: string, text: string): void;
  remove(rel: string): void;
  /** Copies one sample tenant file from the project's tenants/. */
  addSampleTenant(name: string): void;
  /** `git add -A && git commit`; returns the new commit id. */
  commit(message: string): string;
  head(): string;
  dispose(): void;
}

export function createGitRepo(opts: { tenants: string[]; registry?: string } = { tenants: [] }): GitRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qg-repo-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "Test Author",
        GIT_AUTHOR_EMAIL: "author@lab.example",
        GIT_COMMITTER_NAME: "Test Author",
        GIT_COMMITTER_EMAIL: "author@lab.example",
        LC_ALL: "C",
      },
    });
  const repo: GitRepo = {
    dir,
    git,
    write(rel, text) {
      const abs = path.join(dir, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, text);
    },
    remove(rel) {
      fs.rmSync(path.join(dir, rel), { force: true });
    },
    addSampleTenant(name) {
      repo.write(
        `tenants/${name}.yaml`,
        fs.readFileSync(path.join(projectRoot, "tenants", `${name}.yaml`), "utf8"),
      );
    },
    commit(message) {
      git("add", "-A");
      git("commit", "-q", "-m", message);
      return repo.head();
    },
    head: () => git("rev-parse", "HEAD").trim(),
    dispose() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  git("init", "-q", "-b", "main");
  fs.mkdirSync(path.join(dir, "tenants"), { recursive: true });
  for (const t of opts.tenants) repo.addSampleTenant(t);
  repo.write(
    "stacks/local.registry.yaml",
    opts.registry ?? fs.readFileSync(path.join(projectRoot, "stacks", "local.registry.yaml"), "utf8"),
  );
  repo.commit("initial tenants");
  return repo;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `quay-gitops <args>` as a user would (bin/quay-gitops.js on the compiled dist/). */
export function runCli(args: string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, "bin", "quay-gitops.js"), ...args], {
      cwd: cwd ?? projectRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
