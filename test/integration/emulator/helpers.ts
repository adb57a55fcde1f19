/**
 * Shared plumbing of the emulator conformance suite: one in-process emulator per test file (port 0),
 * reset before every test, real HTTP through the global fetch. No mocks.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import {
  type RunningEmulator,
  type Scope,
  type StartEmulatorOptions,
  startEmulator,
} from "../../../emulator/index";

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are checked field by field.
  json: any;
  contentType: string;
}

export interface ReqOptions {
  /** Bearer token; `null` for an anonymous call; default: the admin token. */
  token?: string | null;
  /** Sent as JSON with `Content-Type: application/json`. */
  body?: unknown;
  /** Sent verbatim (with `contentType`, or none at all). */
  raw?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Harness {
  emu(): RunningEmulator;
  req(method: string, path: string, options?: ReqOptions): Promise<Res>;
  get(path: string, options?: ReqOptions): Promise<Res>;
  post(path: string, body?: unknown, options?: ReqOptions): Promise<Res>;
  put(path: string, body?: unknown, options?: ReqOptions): Promise<Res>;
  del(path: string, options?: ReqOptions): Promise<Res>;
  /** Creates a user through the superuser API and returns a token for it with the given scopes. */
  user(name: string, scopes?: Scope[]): Promise<string>;
  org(name: string): Promise<void>;
  repo(namespace: string, name: string, visibility?: "public" | "private", token?: string): Promise<void>;
  robot(org: string, short: string): Promise<string>;
  team(org: string, team: string, role?: "member" | "creator" | "admin"): Promise<void>;
  member(org: string, team: string, member: string): Promise<void>;
  control(method: string, path: string, body?: unknown): Promise<Res>;
}

export const ALL: Scope[] = [
  "org:admin",
  "repo:admin",
  "repo:create",
  "repo:read",
  "repo:write",
  "super:user",
  "user:admin",
  "user:read",
];

export function useEmulator(options: StartEmulatorOptions = {}): Harness {
  let emu: RunningEmulator | undefined;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, ...options });
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(() => {
    emu?.reset();
    emu?.clearFaults();
    emu?.resetStats();
  });
  afterEach(() => {
    // Emulator bugs surface here; Quay-faithful 500s are not recorded as internal errors.
    expect(emu?.internalErrors ?? []).toEqual([]);
  });
  const current = (): RunningEmulator => {
    if (!emu) throw new Error("emulator not started");
    return emu;
  };
  const req = async (method: string, path: string, o: ReqOptions = {}): Promise<Res> => {
    const e = current();
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const token = o.token === undefined ? e.token : o.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    let body: string | Uint8Array | undefined;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers["Content-Type"] = "application/json";
    } else if (o.raw !== undefined) {
      body = typeof o.raw === "string" ? new TextEncoder().encode(o.raw) : o.raw;
      if (o.contentType) headers["Content-Type"] = o.contentType;
    }
    const res = await fetch(`${e.url}${path}`, { method, headers, body, redirect: "manual" });
    const text = await res.text();
    const contentType = res.headers.get("content-type") ?? "";
    let json: unknown;
    if (contentType.startsWith("application/json") && text) json = JSON.parse(text);
    return { status: res.status, headers: res.headers, text, json, contentType };
  };
  const ok = (r: Res, expected: number, what: string) => {
    if (r.status !== expected) throw new Error(`${what}: expected ${expected}, got ${r.status} ${r.text}`);
  };
  const h: Harness = {
    emu: current,
    req,
    get: (p, o) => req("GET", p, o),
    post: (p, b, o) => req("POST", p, { ...o, ...(b === undefined ? {} : { body: b }) }),
    put: (p, b, o) => req("PUT", p, { ...o, ...(b === undefined ? {} : { body: b }) }),
    del: (p, o) => req("DELETE", p, o),
    async user(name, scopes = ALL) {
      ok(
        await h.post("/api/v1/superuser/users/", { username: name, email: `${name}@example.com` }),
        200,
        `create user ${name}`,
      );
      return current().mintToken(name, scopes);
    },
    async org(name) {
      ok(await h.post("/api/v1/organization/", { name }), 201, `create org ${name}`);
    },
    async repo(namespace, name, visibility = "private", token) {
      const r = await h.post(
        "/api/v1/repository",
        { namespace, repository: name, visibility, description: "" },
        token === undefined ? {} : { token },
      );
      ok(r, 201, `create repo ${namespace}/${name}`);
    },
    async robot(org, short) {
      const r = await h.put(`/api/v1/organization/${org}/robots/${short}`);
      ok(r, 201, `create robot ${org}+${short}`);
      return r.json.token as string;
    },
    async team(org, team, role = "member") {
      ok(await h.put(`/api/v1/organization/${org}/team/${team}`, { role }), 200, `team ${org}/${team}`);
    },
    async member(org, team, member) {
      ok(await h.put(`/api/v1/organization/${org}/team/${team}/members/${member}`), 200, `member ${member}`);
    },
    control: (method, path, body) =>
      req(method, path, { token: null, ...(body === undefined ? {} : { body }) }),
  };
  return h;
}

/** The ApiException body of QUAY-API.md §1.4.1. */
export function expectApiException(r: Res, status: number, type: string, message?: string): void {
  expect(r.status).toBe(status);
  expect(r.contentType).toMatch(/^application\/json/);
  expect(r.json).toMatchObject({ error_type: type, title: type, status });
  expect(r.json.type).toMatch(new RegExp(`/api/v1/error/${type}$`));
  expect(r.json.detail).toBe(r.json.error_message);
  if (message !== undefined) expect(r.json.error_message).toBe(message);
}

/** §1.4.2 DataModelException / §1.4.4 Flask abort: `{"message"}` only. */
export function expectMessage(r: Res, status: number, message?: string): void {
  expect(r.status).toBe(status);
  expect(r.json).toBeTypeOf("object");
  expect(Object.keys(r.json)).toEqual(["message"]);
  if (message !== undefined) expect(r.json.message).toBe(message);
}

export function expectHtml(r: Res, status: number): void {
  expect(r.status).toBe(status);
  expect(r.contentType).toMatch(/^text\/html/);
}
