/**
 * Small real servers for the client's transport tests: an HTTP(S) server on port 0 that records
 * what it received and counts connections, a CONNECT proxy, and a CA + server certificate made
 * with the openssl CLI at test time.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type Handler = (req: Received, res: http.ServerResponse, n: number) => void | Promise<void>;

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** TCP connections accepted. */
  connections: number;
  /** Requests being handled right now, and the most seen at once. */
  inFlight: number;
  peakInFlight: number;
  close(): Promise<void>;
}

export async function startServer(
  handler: Handler,
  tls?: { key: string; cert: string },
  listenHost = "127.0.0.1",
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const state: TestServer = {
    url: "",
    port: 0,
    received: [],
    connections: 0,
    inFlight: 0,
    peakInFlight: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rec: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      state.received.push(rec);
      state.inFlight++;
      state.peakInFlight = Math.max(state.peakInFlight, state.inFlight);
      res.on("close", () => {
        state.inFlight--;
      });
      Promise.resolve(handler(rec, res, state.received.length)).catch((e) => {
        res.statusCode = 599;
        res.end(String(e));
      });
    });
  };
  const server = tls
    ? https.createServer({ key: tls.key, cert: tls.cert }, listener)
    : http.createServer(listener);
  server.keepAliveTimeout = 30_000;
  server.on(tls ? "secureConnection" : "connection", () => {
    state.connections++;
  });
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, listenHost, () => r()));
  const port = (server.address() as net.AddressInfo).port;
  Object.assign(state, { url: `${tls ? "https" : "http"}://127.0.0.1:${port}`, port });
  return state;
}

export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(text);
}

export function html(res: http.ServerResponse, status: number, title: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html>\n<html lang=en>\n<title>${title}</title>\n<h1>${title}</h1>\n`);
}

/** Drops the connection without an answer (a reset as the client sees it). */
export function reset(res: http.ServerResponse): void {
  res.socket?.resetAndDestroy();
}

export interface ProxyServer {
  readonly url: string;
  /** `host:port` of every CONNECT received. */
  readonly connects: string[];
  /** Proxy-Authorization headers received. */
  readonly auth: (string | undefined)[];
  close(): Promise<void>;
}

/** An HTTP CONNECT proxy (what undici's ProxyAgent speaks, for http and https targets alike). */
export async function startConnectProxy(): Promise<ProxyServer> {
  const sockets = new Set<net.Socket>();
  const connects: string[] = [];
  const auth: (string | undefined)[] = [];
  const server = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? "";
    connects.push(target);
    auth.push(req.headers["proxy-authorization"]);
    const [host, port] = target.split(":");
    const upstream = net.connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    auth,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly key: string;
  readonly cert: string;
  cleanup(): void;
}

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost, made with the openssl CLI. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "quay-client-tls-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=quay-gitops test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  run(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  );
  execFileSync("sh", ["-c", "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext.cnf"], { cwd: dir });
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  );
  return {
    dir,
    caFile: join(dir, "ca.pem"),
    key: readFileSync(join(dir, "server.key"), "utf8"),
    cert: readFileSync(join(dir, "server.pem"), "utf8"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Relay {
  readonly url: string;
  /** Responses dropped so far. */
  dropped: number;
  close(): Promise<void>;
}

/**
 * A reverse proxy in front of `target` that forwards every request and, when `drop` says so,
 * lets the upstream answer (the request is processed) and then cuts the client's connection
 * instead of relaying the answer: the "response lost after the request landed" case.
 */
export async function startDroppingRelay(target: string, drop: (req: Received) => boolean): Promise<Relay> {
  const up = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const sockets = new Set<net.Socket>();
  const state: Relay = {
    url: "",
    dropped: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const rec: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: body.toString(),
      };
      const upstream = http.request(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers, agent },
        (ur) => {
          const parts: Buffer[] = [];
          ur.on("data", (c: Buffer) => parts.push(c));
          ur.on("end", () => {
            if (drop(rec)) {
              state.dropped++;
              res.socket?.resetAndDestroy();
              return;
            }
            res.writeHead(ur.statusCode ?? 502, ur.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      upstream.on("error", () => res.socket?.destroy());
      upstream.end(body);
    });
  });
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  Object.assign(state, { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
  return state;
}
