import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { type BrowserContext, chromium } from "playwright-core";
import { projectRoot } from "../../src/engine/env";

const run = promisify(execFile);

/** Path of Debian's Chromium, installed by scripts/ensure-chromium on first use. */
export async function ensureChromium(): Promise<string> {
  const { stdout } = await run(path.join(projectRoot, "scripts", "ensure-chromium"), [], {
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 20 * 60 * 1000,
  });
  const bin = stdout.trim().split("\n").pop() ?? "";
  if (!fs.existsSync(bin)) throw new Error(`scripts/ensure-chromium printed '${bin}', which does not exist`);
  return bin;
}

/**
 * Flags for a headless Chromium that stays off the network: without the background-networking flags
 * it tries to reach Google's services at start (and fails on a machine without internet).
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** The system Chromium through playwright-core, with a new empty profile that is removed afterwards. */
export async function launchChromium(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  const executablePath = await ensureChromium();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "qg-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
