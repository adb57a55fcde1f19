import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../../src/project";

/**
 * bin/quay-gitops.js on a Node older than 22 runs the command on Node 24 from npm in a child
 * process. A signal to the launcher must stop that child, and reach it once: the emulator writes its
 * --state file on the first SIGTERM, and a second one would kill it before it has.
 */
function olderNode(): string | undefined {
  for (const candidate of [process.env.QUAY_GITOPS_OLD_NODE, "/usr/bin/node", "/bin/node"]) {
    if (!candidate || !fs.existsSync(candidate)) continue;
    try {
      const version = execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim();
      if (Number(version.replace(/^v/, "").split(".")[0]) < 22) return candidate;
    } catch {
      // not runnable: try the next
    }
  }
  return undefined;
}

const oldNode = olderNode();
const work = fs.mkdtempSync(path.join(os.tmpdir(), "qg-launcher-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Started {
  launcher: ChildProcess;
  url: string;
  state: string;
  exited: Promise<void>;
}

async function startThroughLauncher(name: string, ownGroup: boolean): Promise<Started> {
  const state = path.join(work, `${name}.json`);
  const launcher = spawn(
    oldNode!,
    [path.join(projectRoot, "bin", "quay-gitops.js"), "emulator", "--port", "0", "--state", state],
    {
      stdio: ["ignore", "pipe", "pipe"],
      detached: ownGroup,
      env: { ...process.env, QUAY_GITOPS_REEXEC: "" },
    },
  );
  const exited = new Promise<void>((resolve) => launcher.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    launcher.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    launcher.once("exit", (code) =>
      reject(new Error(`launcher exited ${code} before the ready line: ${out}`)),
    );
  });
  return { launcher, url, state, exited };
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/api/v1/discovery`, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!oldNode)(
  `launcher on an older Node (${oldNode ?? "none found: set QUAY_GITOPS_OLD_NODE"})`,
  () => {
    it("SIGTERM to the launcher stops the command once: the emulator writes its state and is gone", async () => {
      const s = await startThroughLauncher("term", false);
      expect(await answers(s.url)).toBe(true);
      s.launcher.kill("SIGTERM");
      await s.exited;
      expect(await answers(s.url)).toBe(false);
      expect(fs.existsSync(s.state)).toBe(true);
    }, 60_000);

    it("SIGTERM to the launcher's whole process group reaches the command once", async () => {
      const s = await startThroughLauncher("group", true);
      expect(await answers(s.url)).toBe(true);
      process.kill(-s.launcher.pid!, "SIGTERM");
      await s.exited;
      expect(await answers(s.url)).toBe(false);
      expect(fs.existsSync(s.state)).toBe(true);
    }, 60_000);
  },
);
