import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import type { Context } from "../../../providers/base";
import { type ImmutabilityPolicyInputs, immutabilityPolicy } from "../../../providers/immutability-policy";
import { QuaySession } from "../../../src/quay/api/session";
import { QuayClient } from "../../../src/quay/client";

// The ImmutabilityPolicy provider against the emulator over HTTP (docs/quay-api.md#immutability).

let emu: RunningEmulator;
let client: QuayClient;
const infos: string[] = [];

const ctx = (): Context => ({
  session: new QuaySession(client),
  settings: { url: emu.url, forceDelete: false },
  log: { info: (m) => infos.push(m), warn: () => {} },
});

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${emu.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const ORG: ImmutabilityPolicyInputs = {
  namespace: "acme",
  tagPattern: "v[0-9]+\\.[0-9]+\\.[0-9]+",
  tagPatternMatches: true,
};
const REPO: ImmutabilityPolicyInputs = {
  namespace: "acme",
  repository: "app",
  tagPattern: "latest",
  tagPatternMatches: false,
};

beforeAll(async () => {
  emu = await startEmulator({ port: 0, config: { FEATURE_IMMUTABLE_TAGS: true } });
  client = new QuayClient({ url: emu.url, token: emu.token });
});
afterAll(async () => {
  await client.close();
  await emu.close();
});
beforeEach(async () => {
  emu.reset();
  infos.length = 0;
  await call("POST", "/api/v1/organization/", { name: "acme" });
  await call("POST", "/api/v1/repository", {
    namespace: "acme",
    repository: "app",
    visibility: "private",
    description: "",
  });
});
afterEach(() => {
  expect(emu.internalErrors).toEqual([]);
});

describe("ImmutabilityPolicy provider", () => {
  it("creates organization and repository policies and reads them back unchanged", async () => {
    const org = await immutabilityPolicy.create(ctx(), ORG);
    const repo = await immutabilityPolicy.create(ctx(), REPO);
    expect(await immutabilityPolicy.read(ctx(), org.uuid, org)).toEqual(org);
    expect(await immutabilityPolicy.read(ctx(), repo.uuid, repo)).toEqual(repo);
    expect(await call("GET", "/api/v1/repository/acme/app/immutabilitypolicy/")).toEqual({
      policies: [{ uuid: repo.uuid, tagPattern: "latest", tagPatternMatches: false }],
    });
  });

  it("adopts the scope's policy of the same pattern and converges tagPatternMatches", async () => {
    const made = (await call("POST", "/api/v1/organization/acme/immutabilitypolicy/", {
      tagPattern: ORG.tagPattern,
      tagPatternMatches: false,
    })) as { uuid: string };
    const live = await immutabilityPolicy.create(ctx(), ORG);
    expect(live.uuid).toBe(made.uuid);
    expect(infos.join("\n")).toMatch(/adopted existing immutability policy/);
    expect(await immutabilityPolicy.read(ctx(), live.uuid, live)).toEqual({ ...ORG, uuid: made.uuid });
  });

  it("drift: a changed policy reads as changed, a deleted one as gone; update converges with one PUT", async () => {
    const live = await immutabilityPolicy.create(ctx(), ORG);
    await call("PUT", `/api/v1/organization/acme/immutabilitypolicy/${live.uuid}`, {
      tagPattern: ORG.tagPattern,
      tagPatternMatches: false,
    });
    const drifted = await immutabilityPolicy.read(ctx(), live.uuid, live);
    expect(drifted?.tagPatternMatches).toBe(false);
    emu.resetStats();
    await immutabilityPolicy.update(ctx(), live.uuid, drifted!, ORG, new Set(["tagPatternMatches"]));
    expect(emu.stats().byRoute).toEqual({
      "PUT /api/v1/organization/{orgname}/immutabilitypolicy/{policy_uuid}": 1,
    });
    expect(await immutabilityPolicy.read(ctx(), live.uuid, live)).toEqual(live);
    await call("DELETE", `/api/v1/organization/acme/immutabilitypolicy/${live.uuid}`);
    expect(await immutabilityPolicy.read(ctx(), live.uuid, live)).toBeUndefined();
    await immutabilityPolicy.delete(ctx(), live.uuid, live);
  });

  it("a refresh of the scope's policies reads its list once", async () => {
    const a = await immutabilityPolicy.create(ctx(), ORG);
    const b = await immutabilityPolicy.create(ctx(), { ...ORG, tagPattern: "stable" });
    emu.resetStats();
    const session = ctx();
    for (const s of [a, b]) expect(await immutabilityPolicy.read(session, s.uuid, s)).toEqual(s);
    expect(emu.stats().byRoute).toEqual({ "GET /api/v1/organization/{orgname}/immutabilitypolicy/": 1 });
  });

  it("a repository that is gone takes its policies: read gone, delete tolerated", async () => {
    const live = await immutabilityPolicy.create(ctx(), REPO);
    await call("DELETE", "/api/v1/repository/acme/app");
    expect(await immutabilityPolicy.read(ctx(), live.uuid, live)).toBeUndefined();
    await immutabilityPolicy.delete(ctx(), live.uuid, live);
  });

  it("validate: Quay strips, caps at 256 characters and refuses an empty pattern", () => {
    expect(immutabilityPolicy.validate(ORG)).toEqual([]);
    expect(immutabilityPolicy.validate({ ...ORG, tagPattern: " v1" }).map(([p]) => p)).toEqual([
      "tagPattern",
    ]);
    expect(immutabilityPolicy.validate({ ...ORG, tagPattern: "x".repeat(257) }).map(([p]) => p)).toEqual([
      "tagPattern",
    ]);
    expect(immutabilityPolicy.validate({ ...ORG, tagPattern: "" }).map(([p]) => p)).toEqual(["tagPattern"]);
  });
});
