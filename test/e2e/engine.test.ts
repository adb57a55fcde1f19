import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStack } from "../../src/engine/automation";
import { projectRoot } from "../../src/engine/env";
import { type KvServer, startKvServer } from "../helpers/kv";

// Proof of engine: the offline-built Pulumi CLI and Node language host run a dynamic
// provider of ours that talks HTTP, through the Automation API. Fails (never skips) without an engine.

describe("Pulumi engine, offline build", () => {
  let kv: KvServer;
  let stack: Stack;
  let backendDir: string;

  beforeAll(async () => {
    kv = await startKvServer();
    backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "qg-engine-proof-"));
    stack = await openStack({
      stack: "proof",
      workDir: path.join(projectRoot, "test", "fixtures", "engine-proof"),
      backendUrl: `file://${backendDir}`,
      // Test-only passphrase for a throwaway backend.
      env: { PULUMI_CONFIG_PASSPHRASE: "test-only" },
    });
    await stack.setAllConfig({
      "engine-proof:url": { value: kv.url },
      "engine-proof:items": { value: JSON.stringify({ alpha: "1", beta: "2" }) },
    });
  });

  afterAll(async () => {
    await kv?.close();
    fs.rmSync(path.join(projectRoot, "test", "fixtures", "engine-proof", "Pulumi.proof.yaml"), {
      force: true,
    });
    if (backendDir) fs.rmSync(backendDir, { recursive: true, force: true });
  });

  it("runs the pinned CLI version", async () => {
    const ws = stack.workspace;
    const version = ws.pulumiVersion;
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
    expect(version).toBe(pkg.quayGitops.pulumiVersion);
  });

  it("previews the creates without touching the server", async () => {
    const preview = await stack.preview();
    expect(preview.changeSummary.create).toBe(3); // the stack and two items
    expect(kv.writes()).toBe(0);
  });

  it("creates the items with up", async () => {
    const up = await stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(3);
    expect(Object.fromEntries(kv.items)).toEqual({ alpha: "1", beta: "2" });
  });

  it("changes nothing on a second up", async () => {
    const before = kv.writes();
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: 3 });
    expect(kv.writes()).toBe(before);
  });

  it("sees drift on refresh and repairs it with up --refresh", async () => {
    kv.items.set("alpha", "changed behind our back");
    kv.items.delete("beta");
    await expect(stack.preview({ refresh: true, expectNoChanges: true })).rejects.toThrow(
      /no changes were expected/i,
    );
    const refresh = await stack.refresh();
    expect(refresh.summary.resourceChanges?.update).toBe(1);
    expect(refresh.summary.resourceChanges?.delete).toBe(1);
    const up = await stack.up({ refresh: true });
    expect(up.summary.resourceChanges?.create).toBe(1);
    expect(up.summary.resourceChanges?.update).toBe(1);
    expect(Object.fromEntries(kv.items)).toEqual({ alpha: "1", beta: "2" });
    await stack.preview({ refresh: true, expectNoChanges: true });
  });

  it("removes everything with destroy", async () => {
    const destroy = await stack.destroy();
    expect(destroy.summary.resourceChanges?.delete).toBe(3);
    expect(kv.items.size).toBe(0);
  });
});
