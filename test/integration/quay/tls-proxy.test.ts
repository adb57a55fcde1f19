import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { QuayClient, type QuayClientOptions } from "../../../src/quay/client";
import { QuayConnectionError } from "../../../src/quay/errors";
import {
  json,
  makePki,
  type ProxyServer,
  startConnectProxy,
  startServer,
  type TestPki,
  type TestServer,
} from "./servers";

let pki: TestPki;
let https: TestServer;
let http: TestServer;
const clients: QuayClient[] = [];
let proxy: ProxyServer | undefined;

beforeAll(async () => {
  pki = makePki();
  https = await startServer((req, res) => json(res, 200, { tls: true, url: req.url }), pki);
  http = await startServer((req, res) => json(res, 200, { tls: false, url: req.url }));
});

afterAll(async () => {
  await https.close();
  await http.close();
  pki.cleanup();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await proxy?.close();
  proxy = undefined;
});

function make(opts: Partial<QuayClientOptions> & { url: string }): QuayClient {
  const c = new QuayClient({
    token: "tok-12345",
    env: {},
    retry: { baseDelayMs: 5, maxDelayMs: 10 },
    ...opts,
  });
  clients.push(c);
  return c;
}

describe("TLS", () => {
  it("trusts a lab CA given as caFile", async () => {
    const c = make({ url: https.url, caFile: pki.caFile });
    expect((await c.get("/api/v1/user/")).data).toMatchObject({ tls: true });
  });

  it("refuses an unknown CA, without retrying, and says what to set", async () => {
    const c = make({ url: https.url });
    const before = https.received.length;
    const e = await c.get("/api/v1/user/").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QuayConnectionError);
    expect(e).toMatchObject({ attempts: 1, causeCode: expect.stringMatching(/CERT|SIGNATURE|ISSUER/) });
    expect((e as Error).message).toMatch(/set caFile/);
    expect(https.received.length).toBe(before);
  });

  it("checks the host name even with the right CA", async () => {
    // Listening on every loopback address; 127.0.0.2 is not in the certificate's subjectAltName.
    const any = await startServer((_req, res) => json(res, 200, {}), pki, "0.0.0.0");
    try {
      const c = make({ url: `https://127.0.0.2:${any.port}`, caFile: pki.caFile });
      const e = await c.get("/x").catch((x: unknown) => x);
      expect(e).toMatchObject({ causeCode: "ERR_TLS_CERT_ALTNAME_INVALID", attempts: 1 });
    } finally {
      await any.close();
    }
  });

  it("skips verification only when asked", async () => {
    const c = make({ url: https.url, insecureSkipTlsVerify: true });
    expect((await c.get("/x")).status).toBe(200);
  });
});

describe("HTTP(S) proxy from the environment", () => {
  it("tunnels https through HTTPS_PROXY with CONNECT, keeping TLS to Quay end to end", async () => {
    proxy = await startConnectProxy();
    const c = make({ url: https.url, caFile: pki.caFile, env: { HTTPS_PROXY: proxy.url } });
    expect(c.proxy).toBe(proxy.url);
    expect((await c.get("/api/v1/user/")).data).toMatchObject({ tls: true });
    expect(proxy.connects).toEqual([`127.0.0.1:${https.port}`]);
  });

  it("uses HTTP_PROXY for an http:// Quay", async () => {
    proxy = await startConnectProxy();
    const c = make({ url: http.url, env: { http_proxy: proxy.url } });
    expect((await c.get("/x")).data).toMatchObject({ tls: false });
    expect(proxy.connects).toEqual([`127.0.0.1:${http.port}`]);
  });

  it("goes direct for hosts in NO_PROXY", async () => {
    proxy = await startConnectProxy();
    const c = make({
      url: https.url,
      caFile: pki.caFile,
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: "localhost,127.0.0.1" },
    });
    expect(c.proxy).toBeUndefined();
    expect((await c.get("/x")).status).toBe(200);
    expect(proxy.connects).toEqual([]);
  });

  it("sends proxy credentials from the URL but never shows them", async () => {
    proxy = await startConnectProxy();
    const withAuth = proxy.url.replace("http://", "http://lab:pr0xy-pass@");
    const c = make({ url: http.url, env: { HTTP_PROXY: withAuth } });
    await c.get("/x");
    expect(proxy.auth[0]).toBe(`Basic ${Buffer.from("lab:pr0xy-pass").toString("base64")}`);
    expect(`${c.proxy} ${JSON.stringify(c)}`).not.toContain("pr0xy-pass");
  });

  it("names the proxy when it cannot be reached", async () => {
    proxy = await startConnectProxy();
    const url = proxy.url;
    await proxy.close();
    proxy = undefined;
    const c = make({
      url: http.url,
      env: { HTTP_PROXY: url },
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      unreachableTimeoutMs: 0,
    });
    const e = await c.get("/x").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QuayConnectionError);
    expect((e as Error).message).toContain(`through the proxy ${url}`);
  });
});
