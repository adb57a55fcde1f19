import type { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBackendUrl } from "../../../src/engine/backend";
import { startS3, type TestS3 } from "../../helpers/s3";
import {
  exportedDeployment,
  ITEMS,
  openProofStack,
  removeStackConfig,
  runPulumi,
  uniqueStack,
} from "./harness";
import { type KvServer, startKvServer } from "../../helpers/kv";

// the same engine e2e on the s3:// backend, against SeaweedFS's S3 gateway (built from the Go
// module proxy by scripts/ensure-seaweedfs; the first build on a machine takes many minutes, hence the
// long hook timeout), with credentials scoped to the state bucket.
describe("state on an S3-compatible backend (SeaweedFS)", () => {
  let s3: TestS3;
  let kv: KvServer;
  let stack: Stack;
  let backendUrl: string;
  const name = uniqueStack("s3");
  let started = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    [s3, kv] = await Promise.all([startS3(["qg-state", "other-team"]), startKvServer()]);
    console.log(`SeaweedFS ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (including ensure-seaweedfs)`);
    started = Date.now();
    backendUrl = s3.backendUrl("qg-state");
    expect(parseBackendUrl(backendUrl).kind).toBe("s3");
    stack = await openProofStack({ stack: name, backendUrl, kvUrl: kv.url, env: s3.env() });
  }, 3_600_000);

  afterAll(async () => {
    removeStackConfig(name);
    await kv?.close();
    await s3?.stop();
    if (started) console.log(`s3 backend e2e: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it("creates the items with up", async () => {
    const up = await stack.up();
    expect(up.summary.resourceChanges?.create).toBe(4);
    expect(Object.fromEntries(kv.items)).toEqual(ITEMS);
  });

  it("changes nothing on a second up", async () => {
    const before = kv.writes();
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: 4 });
    expect(kv.writes()).toBe(before);
  });

  it("previews no changes with --refresh --expect-no-changes", async () => {
    const preview = await stack.preview({ refresh: true, expectNoChanges: true });
    expect(preview.changeSummary).toEqual({ same: 4 });
    const deployment = await exportedDeployment(name, backendUrl, s3.env());
    expect(deployment.resources).toHaveLength(5);
  });

  it("removes everything with destroy", async () => {
    const destroy = await stack.destroy();
    expect(destroy.summary.resourceChanges?.delete).toBe(4);
    expect(kv.items.size).toBe(0);
    await stack.workspace.removeStack(name);
  });

  it("the bucket-scoped key cannot read another bucket", async () => {
    const r = await (
      await runPulumi(["stack", "ls"], {
        stack: name,
        backendUrl: s3.backendUrl("other-team"),
        env: s3.env(),
        stackFlag: false,
      })
    ).done;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/AccessDenied|403/);
  });
});
