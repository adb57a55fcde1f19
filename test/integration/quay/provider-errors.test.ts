import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { configure, read, remove } from "../../../providers/host";

// A provider's error names the object as the tenant file does, never by Quay's uuid (the Pulumi id
// of a default permission or an auto-prune policy), and points to the project's own docs.
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, quiet: true });
  // A token that can read but administer nothing: every call below gets Quay's 403.
  const token = emu.mintToken("admin", ["repo:read", "user:read"]);
  configure({
    get: (k) => ({ "quay-gitops:url": emu.url, "quay-gitops:token": token })[k],
  });
});

afterAll(async () => {
  await emu?.close();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => "",
    (e: unknown) => (e as Error).message,
  );

it("a default permission is named by its organization and delegate", async () => {
  const uuid = "2556a677-0000-4000-8000-000000000001";
  const props = {
    organization: "acme",
    delegate: { kind: "team", name: "developers" },
    role: "read",
    prototypeId: uuid,
  };
  const message = await failure(read("DefaultPermission", uuid, props));
  expect(message).toMatch(
    /^DefaultPermission acme\/team:developers: GET \/api\/v1\/organization\/acme\/prototypes: 403/,
  );
  expect(message).toContain("this needs a token with scope org:admin (docs/quay-api.md#scopes)");
  expect(message).not.toContain(uuid);
  // The request path holds the uuid (Quay's API names it so); the object is named by its label.
  expect(await failure(remove("DefaultPermission", uuid, props))).toMatch(
    /^DefaultPermission acme\/team:developers: DELETE /,
  );
});

it("an auto-prune policy is named by its scope and method", async () => {
  const uuid = "5ea3f9f1-0000-4000-8000-000000000002";
  const props = {
    namespace: "acme",
    repository: "app",
    method: "number_of_tags",
    value: 10,
    uuid,
  };
  const message = await failure(read("AutoPrunePolicy", uuid, props));
  expect(message).toMatch(/^AutoPrunePolicy acme\/app:number_of_tags: GET /);
  expect(message).not.toContain(uuid);
});
