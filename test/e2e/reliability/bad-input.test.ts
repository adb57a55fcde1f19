import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { LOCAL_DEV_PASSPHRASE } from "../../../src/engine/env";
import { runCli } from "../../helpers/git";
import { CORPUS_REGISTRY_PATH, type CorpusCase, corpusCases, corpusTree } from "../../unit/tenant/corpus";

// Bad input: the bad-tenant corpus through `apply`, not only `validate`: every case is
// rejected with its file and line, exit 1, and not one mutating request reaches Quay.
const cases = corpusCases();

describe("bad tenant files through apply", () => {
  let emu: RunningEmulator;
  let work: string;
  const results = new Map<string, { code: number; out: string }>();

  function repoFor(c: CorpusCase): string {
    const dir = path.join(work, c.name);
    for (const [rel, content] of corpusTree(c)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
    const git = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "t",
          GIT_AUTHOR_EMAIL: "t@x",
          GIT_COMMITTER_NAME: "t",
          GIT_COMMITTER_EMAIL: "t@x",
        },
      });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", c.name);
    return dir;
  }

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, quiet: true });
    work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-bad-"));
    const env = {
      QUAY_URL: emu.url,
      QUAY_TOKEN: emu.token,
      PULUMI_CONFIG_PASSPHRASE: LOCAL_DEV_PASSPHRASE,
      QUAY_GITOPS_REGISTRY_FILE: CORPUS_REGISTRY_PATH,
      QUAY_GITOPS_TENANTS_DIR: "",
      QUAY_GITOPS_REPO: "",
      GITHUB_ACTIONS: "",
    };
    // Four at a time: each run is a short-lived CLI process that stops at validation.
    const queue = [...cases];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const dir = repoFor(c);
          const r = await runCli(
            ["apply", "--stack", "local", "--repo", dir, "--backend", `file://${path.join(work, "state")}`],
            env,
          );
          results.set(c.name, { code: r.code, out: `${r.stdout}\n${r.stderr}` });
        }
      }),
    );
  }, 600_000);

  afterAll(async () => {
    await emu?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("sent no mutating request to Quay", () => {
    expect(emu.stats().writes).toBe(0);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s: exit 1, with file and line", (_name, c) => {
    const r = results.get(c.name)!;
    expect(r.code, r.out).toBe(1);
    for (const e of c.expects) expect(r.out).toContain(`${e.file}:${e.line}:${e.column}`);
    expect(r.out).not.toMatch(/^\s+at \S+ \(/m);
  });
});
