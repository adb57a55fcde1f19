import { afterAll, beforeAll, expect, it } from "vitest";
import { type Lab, startLab } from "../helpers/lab";

// A tenant that uses a feature the registry has off fails before any change.
let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ emulatorConfig: { FEATURE_REPO_MIRROR: false } });
});
afterAll(async () => {
  await lab?.close();
});

it("refuses to apply mirrors to a registry without FEATURE_REPO_MIRROR, naming the tenant files, with no write", async () => {
  await lab.resetStats();
  let message = "";
  try {
    await lab.stack.up();
    expect.unreachable("up must fail");
  } catch (e) {
    message = String(e);
  }
  expect(message).toContain("FEATURE_REPO_MIRROR is off");
  expect(message).toContain("tenants/acme.yaml (mirror)");
  expect(message).toContain("nothing was applied");
  expect(await lab.writes()).toBe(0);
});
