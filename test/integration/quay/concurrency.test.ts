import { afterEach, describe, expect, it } from "vitest";
import { QuayClient } from "../../../src/quay/client";
import { json, startServer, type TestServer } from "./servers";

let server: TestServer | undefined;
let client: QuayClient | undefined;

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const slow = (ms: number) => (_req: unknown, res: import("node:http").ServerResponse) => {
  setTimeout(() => json(res, 200, {}), ms);
};

describe("bounded concurrency", () => {
  it("keeps at most maxConcurrency requests in flight at the server", async () => {
    server = await startServer(slow(30));
    client = new QuayClient({ url: server.url, token: "tok-12345", env: {}, maxConcurrency: 3 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => client?.get(`/api/v1/organization/o${i}`)));
    expect(server.received).toHaveLength(30);
    expect(server.peakInFlight).toBe(3);
    expect(client.concurrency).toMatchObject({ peak: 3, max: 3, active: 0, pending: 0 });
    expect(server.connections).toBeLessThanOrEqual(3);
  });

  it("defaults to 8", async () => {
    server = await startServer(slow(30));
    client = new QuayClient({ url: server.url, token: "tok-12345", env: {} });
    await Promise.all(Array.from({ length: 40 }, () => client?.get("/api/v1/user/")));
    expect(server.peakInFlight).toBe(8);
    expect(client.maxConcurrency).toBe(8);
  });

  it("frees the slot while a request sleeps before its retry", async () => {
    // maxConcurrency 1: a request waiting out Retry-After must not block the next one.
    let first = true;
    server = await startServer((req, res) => {
      if (req.url === "/busy" && first) {
        first = false;
        json(res, 429, {}, { "retry-after": "1" });
      } else json(res, 200, { url: req.url });
    });
    client = new QuayClient({ url: server.url, token: "tok-12345", env: {}, maxConcurrency: 1 });
    const order: string[] = [];
    const a = client.get("/busy").then(() => order.push("busy"));
    await new Promise((r) => setTimeout(r, 100));
    const b = client.get("/quick").then(() => order.push("quick"));
    await Promise.all([a, b]);
    expect(order).toEqual(["quick", "busy"]);
  });
});
