import { beforeEach, describe, expect, it } from "vitest";
import { startEmulator } from "../../../emulator/index";
import { emulatorOnly, useEmulator } from "./helpers";

/**
 * Usage and last use, as Quay 3.18.0 reports them (docs/quay-api.md#quotas, docs/quay-api.md#organizations, docs/quay-api.md#repositories, docs/quay-api.md#robots): the quota
 * report views computed from the size rows (data/model/namespacequota.py get_quota_for_view,
 * repository_models_pre_oci.py add_quota_view) and a robot's `last_accessed`, set through the control
 * calls that stand in for the registry (docs/emulator.md).
 */
const h = useEmulator();
const itRegistry = emulatorOnly(
  "sizes and last use come from registry pushes and pulls, which the emulator plays through /_emulator/usage and /_emulator/last-accessed",
);
const GiB = 1024 ** 3;

beforeEach(async () => {
  await h.org("acme");
  await h.repo("acme", "app");
  await h.repo("acme", "base");
  await h.post("/api/v1/organization/acme/quota", { limit_bytes: 10 * GiB });
});

async function superuserOrg(name: string) {
  const list = (await h.get("/api/v1/superuser/organizations/")).json.organizations as {
    name: string;
    quota_report: unknown;
  }[];
  return list.find((o) => o.name === name);
}

async function repoReports(namespace: string): Promise<Record<string, unknown>> {
  const r = await h.get(`/api/v1/repository?namespace=${namespace}`);
  return Object.fromEntries(
    (r.json.repositories as { name: string; quota_report: unknown }[]).map((x) => [x.name, x.quota_report]),
  );
}

describe("docs/quay-api.md#quotas quota usage (size rows)", () => {
  it("a namespace without a size row: 0 bytes, backfill waiting; repositories 0", async () => {
    expect((await superuserOrg("acme")) as unknown).toMatchObject({
      quotas: [{ limit_bytes: 10 * GiB, limits: [] }],
      quota_report: {
        quota_bytes: 0,
        configured_quota: 10 * GiB,
        running_backfill: "waiting",
        backfill_status: "waiting",
      },
    });
    expect(await repoReports("acme")).toEqual({
      app: { quota_bytes: 0, configured_quota: 10 * GiB },
      base: { quota_bytes: 0, configured_quota: 10 * GiB },
    });
  });

  itRegistry(
    "a repository's size shows in the repository list, and the namespace total in every view",
    async () => {
      const r1 = await h.control("POST", "/_emulator/usage", {
        namespace: "acme",
        repository: "app",
        bytes: 3 * GiB,
      });
      expect(r1.status).toBe(200);
      expect(r1.json).toEqual({
        namespace: "acme",
        repository: "app",
        repository_bytes: 3 * GiB,
        namespace_bytes: 3 * GiB,
        backfill_status: "complete",
      });
      await h.control("POST", "/_emulator/usage", { namespace: "acme", repository: "base", bytes: 5 * GiB });
      // Shrinking a repository moves the namespace total by the difference (write_namespace_total).
      await h.control("POST", "/_emulator/usage", { namespace: "acme", repository: "app", bytes: 2 * GiB });
      const report = {
        quota_bytes: 7 * GiB,
        configured_quota: 10 * GiB,
        running_backfill: "complete",
        backfill_status: "complete",
      };
      expect(((await superuserOrg("acme")) as { quota_report: unknown }).quota_report).toEqual(report);
      expect((await h.get("/api/v1/organization/acme")).json.quota_report).toEqual(report);
      expect(await repoReports("acme")).toEqual({
        app: { quota_bytes: 2 * GiB, configured_quota: 10 * GiB },
        base: { quota_bytes: 5 * GiB, configured_quota: 10 * GiB },
      });
    },
  );

  itRegistry("a deleted repository's bytes leave the namespace total (what GC does)", async () => {
    await h.control("POST", "/_emulator/usage", { namespace: "acme", repository: "app", bytes: 3 * GiB });
    await h.control("POST", "/_emulator/usage", { namespace: "acme", repository: "base", bytes: 1 * GiB });
    expect((await h.del("/api/v1/repository/acme/app")).status).toBe(204);
    expect((await h.get("/api/v1/organization/acme")).json.quota_report.quota_bytes).toBe(1 * GiB);
  });

  itRegistry(
    "the namespace row as the quota total worker writes it: running, waiting, complete",
    async () => {
      const running = await h.control("POST", "/_emulator/usage", {
        namespace: "acme",
        bytes: 4 * GiB,
        backfill: "running",
      });
      expect(running.json.backfill_status).toBe("running");
      expect((await h.get("/api/v1/organization/acme")).json.quota_report).toMatchObject({
        quota_bytes: 4 * GiB,
        running_backfill: "running",
        backfill_status: "running",
      });
      // While the backfill runs, a push does not move the total (write_namespace_total returns early).
      await h.control("POST", "/_emulator/usage", { namespace: "acme", repository: "app", bytes: 1 * GiB });
      expect((await h.get("/api/v1/organization/acme")).json.quota_report.quota_bytes).toBe(4 * GiB);
      await h.control("POST", "/_emulator/usage", { namespace: "acme", bytes: 0, backfill: "waiting" });
      expect((await h.get("/api/v1/organization/acme")).json.quota_report.backfill_status).toBe("waiting");
      await h.control("POST", "/_emulator/usage", { namespace: "acme", bytes: 6 * GiB });
      expect((await h.get("/api/v1/organization/acme")).json.quota_report).toMatchObject({
        quota_bytes: 6 * GiB,
        backfill_status: "complete",
      });
    },
  );

  itRegistry(
    "without a quota, configured_quota is null (or the system default) and usage still shows",
    async () => {
      await h.org("initech");
      await h.repo("initech", "tool");
      await h.control("POST", "/_emulator/usage", { namespace: "initech", repository: "tool", bytes: 123 });
      expect((await superuserOrg("initech")) as unknown).toMatchObject({
        quotas: [],
        quota_report: { quota_bytes: 123, configured_quota: null },
      });
    },
  );

  itRegistry("control errors: unknown names 404, bad values 400, nothing changed", async () => {
    const cases: [unknown, number][] = [
      [{ namespace: "nope", bytes: 1 }, 404],
      [{ namespace: "acme", repository: "nope", bytes: 1 }, 404],
      [{ namespace: "acme", repository: "app", bytes: -1 }, 400],
      [{ namespace: "acme", repository: "app", bytes: 1.5 }, 400],
      [{ namespace: "acme", repository: "app" }, 400],
      [{ namespace: "acme", bytes: 1, backfill: "later" }, 400],
      [{ namespace: "acme", repository: "app", bytes: 1, backfill: "running" }, 400],
    ];
    for (const [body, status] of cases) {
      const r = await h.control("POST", "/_emulator/usage", body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.json.error).toEqual(expect.any(String));
    }
    expect((await h.get("/api/v1/organization/acme")).json.quota_report.quota_bytes).toBe(0);
  });
});

describe("docs/quay-api.md#robots robots' last_accessed", () => {
  itRegistry("null until the registry checks the robot's credentials, then an RFC 2822 date", async () => {
    await h.robot("acme", "ci");
    await h.robot("acme", "pull");
    const list = async () =>
      (await h.get("/api/v1/organization/acme/robots?token=false")).json.robots as {
        name: string;
        last_accessed: string | null;
      }[];
    expect((await list()).map((r) => r.last_accessed)).toEqual([null, null]);
    const r = await h.control("POST", "/_emulator/last-accessed", {
      account: "acme+ci",
      at: "2026-03-04T05:06:07Z",
    });
    expect(r.json).toEqual({ account: "acme+ci", last_accessed: "Wed, 04 Mar 2026 05:06:07 -0000" });
    const robots = await list();
    // Ordered by last_accessed descending, NULLs first as on PostgreSQL (data/model/user.py).
    expect(robots.map((x) => [x.name, x.last_accessed])).toEqual([
      ["acme+pull", null],
      ["acme+ci", "Wed, 04 Mar 2026 05:06:07 -0000"],
    ]);
    // token=false: the list carries no token at all.
    expect(robots.every((x) => !("token" in x))).toBe(true);
    expect((await h.get("/api/v1/organization/acme/robots/ci")).json.last_accessed).toBe(
      "Wed, 04 Mar 2026 05:06:07 -0000",
    );
    await h.control("POST", "/_emulator/last-accessed", { account: "acme+pull", at: "2026-05-01T00:00:00Z" });
    expect((await list()).map((x) => x.name)).toEqual(["acme+pull", "acme+ci"]);
  });

  itRegistry("control errors: an organization or unknown name 404, a bad time 400", async () => {
    expect((await h.control("POST", "/_emulator/last-accessed", { account: "acme" })).status).toBe(404);
    expect((await h.control("POST", "/_emulator/last-accessed", { account: "acme+none" })).status).toBe(404);
    await h.robot("acme", "ci");
    expect(
      (await h.control("POST", "/_emulator/last-accessed", { account: "acme+ci", at: "soon" })).status,
    ).toBe(400);
  });

  itRegistry("FEATURE_USER_LAST_ACCESSED off: always null", async () => {
    const emu = await startEmulator({ port: 0, config: { FEATURE_USER_LAST_ACCESSED: false } });
    try {
      const auth = { Authorization: `Bearer ${emu.token}` };
      await fetch(`${emu.url}/api/v1/organization/`, {
        method: "POST",
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "acme" }),
      });
      await fetch(`${emu.url}/api/v1/organization/acme/robots/ci`, { method: "PUT", headers: auth });
      await fetch(`${emu.url}/_emulator/last-accessed`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ account: "acme+ci" }),
      });
      const list = (await (
        await fetch(`${emu.url}/api/v1/organization/acme/robots`, { headers: auth })
      ).json()) as {
        robots: { last_accessed: unknown }[];
      };
      expect(list.robots.map((r) => r.last_accessed)).toEqual([null]);
    } finally {
      await emu.close();
    }
  });
});
