import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import type { AnyKind, Context } from "../../../providers/base";
import { mirror } from "../../../providers/mirror";
import { organization } from "../../../providers/organization";
import { quota } from "../../../providers/quota";
import { repository } from "../../../providers/repository";
import { team } from "../../../providers/team";
import { user } from "../../../providers/user";
import { isQuayGitopsError, ObjectGoneError } from "../../../src/errors";
import { QuaySession } from "../../../src/quay/api/session";
import { QuayClient } from "../../../src/quay/client";

// An update whose object someone deleted in Quay since the last refresh fails with its own code,
// not with the one for an answer of Quay that makes no sense: the fix is a refresh, not a bug report.
describe("an update of an object that is gone from Quay", () => {
  let emu: RunningEmulator;
  let client: QuayClient;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    const res = await fetch(`${emu.url}/api/v1/organization/`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "acme" }),
    });
    expect(res.status).toBeLessThan(300);
    await fetch(`${emu.url}/api/v1/repository`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        namespace: "acme",
        repository: "plain",
        visibility: "private",
        description: "",
      }),
    }).then((r) => expect(r.status).toBeLessThan(300));
    client = new QuayClient({ url: emu.url, token: emu.token });
  });
  afterAll(async () => {
    await client?.close();
    await emu?.close();
  });

  const ctx = (): Context => ({
    session: new QuaySession(client),
    settings: { url: emu.url, forceDelete: false },
    log: { info: () => {}, warn: () => {} },
  });

  const cases: [string, AnyKind, Record<string, unknown>, string[], string][] = [
    [
      "organization",
      organization,
      { name: "gone-org", deletionPolicy: "retain" },
      ["email"],
      "organization gone-org no longer exists; run with --refresh to recreate it",
    ],
    [
      "user",
      user,
      { name: "gone-user", email: "gone@acme.example" },
      ["email"],
      "user gone-user no longer exists; run with --refresh to recreate it",
    ],
    [
      "quota",
      quota,
      { organization: "acme", limitBytes: 1024, limits: [] },
      ["limitBytes"],
      "the quota of acme no longer exists; run with --refresh",
    ],
    [
      "repository",
      repository,
      {
        namespace: "acme",
        name: "gone",
        visibility: "private",
        description: "x",
        permissions: [],
        deletionPolicy: "retain",
      },
      ["description"],
      "repository acme/gone no longer exists; run with --refresh",
    ],
    [
      "team",
      team,
      { organization: "acme", name: "gone", role: "member", description: "", members: [] },
      ["members"],
      "team acme/gone no longer exists; run with --refresh",
    ],
    [
      "mirror",
      mirror,
      {
        namespace: "acme",
        repository: "plain",
        externalReference: "quay.io/a/b",
        tags: ["*"],
        syncIntervalSeconds: 60,
        robot: "acme+ci",
        verifyTls: true,
        unsignedImages: false,
        enabled: true,
        skopeoTimeoutSeconds: 300,
        architectureFilter: [],
        syncStartDate: "",
      },
      ["tags"],
      "mirror of acme/plain no longer exists; run with --refresh",
    ],
  ];

  it.each(cases)("%s: QG_ERR_OBJECT_GONE, with the next step", async (_name, kind, d, changed, message) => {
    const err = await kind.update(ctx(), "id", d, d, new Set(changed)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ObjectGoneError);
    expect(isQuayGitopsError(err) && err.code).toBe("QG_ERR_OBJECT_GONE");
    expect((err as Error).message).toBe(message);
  });
});
