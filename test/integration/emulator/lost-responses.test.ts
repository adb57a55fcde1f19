import { afterEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";

// Control API: faults after processing (docs/emulator.md "lostResponses"), the case that makes a
// blindly retried create a duplicate.
describe("lost responses", () => {
  let emu: RunningEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${emu!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${emu!.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it("stores the change and answers 502", async () => {
    emu = await startEmulator({ port: 0 });
    emu.setFaults({ seed: 1, lostResponses: { method: "POST", rate: 1 } });
    const r = await call("POST", "/api/v1/organization/", { name: "lost" });
    expect(r.status).toBe(502);
    expect(r.headers.get("content-type")).toMatch(/text\/html/);
    emu.clearFaults();
    expect((await call("GET", "/api/v1/organization/lost")).status).toBe(200);
  });

  it("stores the change and resets the connection", async () => {
    emu = await startEmulator({ port: 0 });
    emu.setFaults({ seed: 1, lostResponses: { method: "POST", rate: 1, as: "reset" } });
    await expect(call("POST", "/api/v1/organization/", { name: "lost2" })).rejects.toThrow();
    emu.clearFaults();
    expect((await call("GET", "/api/v1/organization/lost2")).status).toBe(200);
  });
});
