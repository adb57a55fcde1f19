/**
 * The RobotFederation provider against the emulator over HTTP (docs/quay-api.md#robot-federation):
 * a create that adopts a list set by hand, a read of one GET that compares equal whatever Quay's
 * order, updates that replace the whole list, and a robot that is gone.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import type { Context } from "../../../providers/base";
import { type RobotFederationInputs, robotFederation } from "../../../providers/robot-federation";
import { QuaySession } from "../../../src/quay/api/session";
import { QuayClient } from "../../../src/quay/client";

const GITHUB = {
  issuer: "https://token.actions.githubusercontent.com",
  subject: "repo:acme/app:ref:refs/heads/main",
};
const GITLAB = { issuer: "https://gitlab.com", subject: "project_path:acme/app:ref_type:branch:ref:main" };
const FED = "/api/v1/organization/acme/robots/ci/federation";

let emu: RunningEmulator;
const clients: QuayClient[] = [];

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${emu.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return text ? JSON.parse(text) : undefined;
};

/** A provider context on a new session (a new run: nothing cached). */
const ctx = (): Context => {
  const client = new QuayClient({ url: emu.url, token: emu.token });
  clients.push(client);
  return {
    session: new QuaySession(client),
    settings: { url: emu.url, forceDelete: false },
    log: { info: () => {}, warn: () => {} },
  };
};

const d: RobotFederationInputs = robotFederation.normalize!({
  organization: "acme",
  shortName: "ci",
  federation: [GITHUB, GITLAB],
});

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  expect(emu.internalErrors).toEqual([]);
  await emu.close();
});
beforeEach(async () => {
  emu.reset();
  await call("POST", "/api/v1/organization/", { name: "acme" });
  await call("PUT", "/api/v1/organization/acme/robots/ci", {});
});

describe("RobotFederation", () => {
  it("create sets the whole list, adopting one set by hand; a read is one GET and compares equal", async () => {
    await call("POST", FED, [{ issuer: "https://evil.example", subject: "x" }]);
    expect(await robotFederation.create(ctx(), d)).toEqual(d);
    // Quay keeps the order as sent (sorted here); the read sorts whatever Quay answers.
    await call("POST", FED, [GITHUB, GITLAB]);
    emu.resetStats();
    expect(await robotFederation.read(ctx(), "acme+ci", d)).toEqual(d);
    expect(emu.stats().byRoute).toEqual({
      "GET /api/v1/organization/{orgname}/robots/{robot_shortname}/federation": 1,
    });
  });

  it("update replaces the list; a list changed by hand reads as drift", async () => {
    await robotFederation.create(ctx(), d);
    const one = { ...d, federation: [GITHUB] };
    await robotFederation.update(ctx(), "acme+ci", d, one, new Set(["federation"]));
    expect(await call("GET", FED)).toEqual([GITHUB]);
    await call("DELETE", FED);
    expect((await robotFederation.read(ctx(), "acme+ci", one))?.federation).toEqual([]);
    const logs = (await call("GET", "/api/v1/organization/acme/logs")).logs as { kind: string }[];
    expect(logs.slice(0, 3).map((l) => l.kind)).toEqual([
      "delete_robot_federation",
      "create_robot_federation",
      "create_robot_federation",
    ]);
  });

  it("delete empties the list; a robot that is gone has no list to read or delete", async () => {
    await robotFederation.create(ctx(), d);
    await robotFederation.delete(ctx(), "acme+ci", d);
    expect(await call("GET", FED)).toEqual([]);
    await call("DELETE", "/api/v1/organization/acme/robots/ci");
    expect(await robotFederation.read(ctx(), "acme+ci", d)).toBeUndefined();
    await expect(robotFederation.delete(ctx(), "acme+ci", d)).resolves.toBeUndefined();
    // Creating it for a robot that is not there is Quay's 400, not a silent success.
    await expect(robotFederation.create(ctx(), d)).rejects.toMatchObject({ status: 400 });
  });
});
