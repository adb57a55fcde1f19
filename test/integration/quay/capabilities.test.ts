import { afterEach, describe, expect, it } from "vitest";
import { type EmulatorConfig, type RunningEmulator, startEmulator } from "../../../emulator/index";
import { probeCapabilities } from "../../../src/quay/api/capabilities";
import { QuaySession } from "../../../src/quay/api/session";
import { QuayClient } from "../../../src/quay/client";

// The capability check against the emulator's discovery document (docs/quay-api.md#discovery, docs/quay-api.md#features).
describe("capability check", () => {
  let emu: RunningEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  const probe = async (config: EmulatorConfig) => {
    emu = await startEmulator({ port: 0, config });
    const client = new QuayClient({ url: emu.url, token: emu.token });
    try {
      return await probeCapabilities(
        new QuaySession(client),
        new Set([
          "FEATURE_REPO_MIRROR",
          "FEATURE_QUOTA_MANAGEMENT",
          "FEATURE_PROXY_CACHE",
          "FEATURE_AUTO_PRUNE",
          "FEATURE_SUPER_USERS",
        ] as const),
      );
    } finally {
      await client.close();
    }
  };

  it("finds every feature of the lab configuration", async () => {
    const r = await probe({});
    expect(r).toMatchObject({ missing: [], superUser: true, discovered: true });
  });

  it("names each disabled feature, including mirroring whose paths fall to the repository route", async () => {
    const r = await probe({
      FEATURE_REPO_MIRROR: false,
      FEATURE_PROXY_CACHE: false,
      FEATURE_AUTO_PRUNE: false,
    });
    expect(r.missing.map((m) => m.feature)).toEqual([
      "FEATURE_AUTO_PRUNE",
      "FEATURE_PROXY_CACHE",
      "FEATURE_REPO_MIRROR",
    ]);
    expect(r.missing[0]?.reason).toMatch(/off in Quay's config.yaml/);
  });

  it("team sync (a part of the Team kind): found with FEATURE_TEAM_SYNCING, named without it", async () => {
    const check = async (config: EmulatorConfig) => {
      emu = await startEmulator({ port: 0, config });
      const client = new QuayClient({ url: emu.url, token: emu.token });
      try {
        return await probeCapabilities(new QuaySession(client), new Set(["FEATURE_TEAM_SYNCING"] as const));
      } finally {
        await client.close();
        await emu.close();
        emu = undefined;
      }
    };
    expect((await check({ FEATURE_TEAM_SYNCING: true, AUTHENTICATION_TYPE: "LDAP" })).missing).toEqual([]);
    expect((await check({ AUTHENTICATION_TYPE: "LDAP" })).missing).toEqual([
      {
        feature: "FEATURE_TEAM_SYNCING",
        reason: "FEATURE_TEAM_SYNCING is off in Quay's config.yaml (its API endpoints are not registered)",
      },
    ]);
  });

  it("with a session: a signed-in account that is no superuser is named as such", async () => {
    emu = await startEmulator({ port: 0 });
    const created = await fetch(`${emu.url}/api/v1/superuser/users/`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: JSON.stringify({ username: "plain", email: "plain@example.com" }),
    });
    const { password } = (await created.json()) as { password: string };
    const client = new QuayClient({ url: emu.url, username: "plain", password, env: {} });
    try {
      const r = await probeCapabilities(new QuaySession(client), new Set(["FEATURE_SUPER_USERS"] as const));
      expect(r.superUser).toBe(false);
      expect(r.missing[0]?.reason).toBe(
        "the signed-in account plain is not a superuser (SUPER_USERS in Quay's config.yaml): managing users and quotas needs one",
      );
    } finally {
      await client.close();
    }
  });

  it("immutability policies: FEATURE_IMMUTABLE_TAGS, off by default, found when on", async () => {
    const check = async (config: EmulatorConfig) => {
      emu = await startEmulator({ port: 0, config });
      const client = new QuayClient({ url: emu.url, token: emu.token });
      try {
        return await probeCapabilities(new QuaySession(client), new Set(["FEATURE_IMMUTABLE_TAGS"] as const));
      } finally {
        await client.close();
        await emu.close();
        emu = undefined;
      }
    };
    expect((await check({})).missing.map((m) => m.feature)).toEqual(["FEATURE_IMMUTABLE_TAGS"]);
    expect((await check({ FEATURE_IMMUTABLE_TAGS: true })).missing).toEqual([]);
  });

  it("sees quota management off", async () => {
    const r = await probe({ FEATURE_QUOTA_MANAGEMENT: false });
    expect(r.missing.map((m) => m.feature)).toEqual(["FEATURE_QUOTA_MANAGEMENT"]);
  });
});
