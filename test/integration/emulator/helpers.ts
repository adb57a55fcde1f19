/**
 * Shared plumbing of the emulator conformance suite: one in-process emulator per test file (port 0),
 * reset before every test, real HTTP through the global fetch. No mocks.
 *
 * The same suite runs against a real Quay (`npm run test:conformance:real`, docs/acceptance.md): then
 * the harness talks to QUAY_URL, gives every test its own name prefix and deletes what the test made
 * (real-quay.ts). Tests that need the emulator itself (its control routes, its store, a configuration
 * the real Quay does not run) say so with `emulatorOnly` / `useEmulator` options and are skipped there.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { BOOTSTRAP_APP } from "../../../emulator/bootstrap";
import {
  type RunningEmulator,
  type Scope,
  type StartEmulatorOptions,
  startEmulator,
} from "../../../emulator/index";
import {
  CONFORMANCE_REAL,
  NameSpace,
  type RealTarget,
  realTarget,
  sweep,
  TokenMint,
  tokenApplication,
} from "./real-quay";

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
  /** The emulator itself; throws against a real Quay (mark such tests `emulatorOnly`). */
  emu(): RunningEmulator;
  /** The base URL of the Quay under test, as it names itself in absolute URLs (`Location`). */
  url(): string;
  /** The superuser's (admin's) token with every scope. */
  adminToken(): string;
  adminPassword(): string;
  /** The OAuth application of the admin token, as Quay's audit log names it. */
  adminTokenApplication(): { name: string; clientId: string };
  /** A token for an existing user with these scopes (the emulator mints it; a real Quay by OAuth). */
  token(user: string, scopes: readonly Scope[]): Promise<string>;
  /** The OAuth application of the tokens `token()` mints for `user`, as Quay's audit log names it. */
  tokenApplication(user: string): { name: string; clientId: string };
  /**
   * Audit log kinds that minting a token leaves in the user's own log: none on the emulator; on a real
   * Quay the sign-in the OAuth flow needs (`login_success`).
   */
  readonly mintLogKinds: readonly string[];
  /** A namespace name as it is on the Quay under test (the test's prefix added on a real Quay). */
  real(name: string): string;
  /**
   * Whether a namespace in a list answer is this test's (or admin): a real Quay is shared, so its
   * superuser lists hold other namespaces too. Always true on the emulator.
   */
  ours(name: string): boolean;
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

/** Where the suite runs: `undefined` for the in-process emulator. */
export const REAL: RealTarget | string | undefined = CONFORMANCE_REAL ? realTarget() : undefined;

/**
 * A test that only the emulator can run, with the reason (its control routes, its store, a fault it
 * injects): skipped against a real Quay, and the reason is in the skipped test's name.
 */
export function emulatorOnly(reason: string) {
  return (name: string, fn: () => Promise<void> | void, timeout?: number): void => {
    if (REAL) it.skip(`${name} [emulator only: ${reason}]`, fn, timeout);
    else it(name, fn, timeout);
  };
}

/**
 * Configuration keys the lab's real Quay runs with besides the emulator's defaults (docs/real-quay.md):
 * a file whose options ask for exactly these can still run there.
 */
const REAL_QUAY_CONFIG: Record<string, unknown> = {
  SSRF_ALLOWED_HOSTS: ["127.0.0.1"],
  FEATURE_IMMUTABLE_TAGS: true,
  FEATURE_MAILING: false,
};

function realSkipReason(options: StartEmulatorOptions): string | undefined {
  if (typeof REAL === "string") return REAL;
  const { config = {}, ...rest } = options as StartEmulatorOptions & { config?: Record<string, unknown> };
  const other = Object.keys(rest).filter((k) => k !== "port");
  if (other.length) return `skipped on a real Quay: needs the emulator's ${other.join(", ")}`;
  const differs = Object.entries(config).filter(
    ([k, v]) => JSON.stringify(REAL_QUAY_CONFIG[k]) !== JSON.stringify(v),
  );
  if (differs.length)
    return `skipped on a real Quay: needs Quay configured with ${differs.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}`;
  return undefined;
}

/**
 * The harness of one test file. `only.emulatorOnly` says why the whole file needs the emulator (it is
 * skipped against a real Quay with that reason).
 */
export function useEmulator(
  options: StartEmulatorOptions = {},
  only: { emulatorOnly?: string } = {},
): Harness {
  if (REAL) return useRealQuay(options, only.emulatorOnly);
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
    const { headers, body } = requestParts(o, e.token);
    const res = await fetch(`${e.url}${path}`, { method, headers, body, redirect: "manual" });
    return toRes(res, await res.text());
  };
  return harness({
    emu: current,
    url: () => current().url,
    adminToken: () => current().token,
    adminPassword: () => current().password,
    adminTokenApplication: () => ({ name: BOOTSTRAP_APP, clientId: "admin" }),
    token: async (user, scopes) => current().mintToken(user, scopes),
    // RunningEmulator.mintToken's application (emulator/index.ts).
    tokenApplication: (user) => ({ name: "emulator", clientId: `emulator-${user}` }),
    mintLogKinds: [],
    real: (name) => name,
    ours: () => true,
    req,
  });
}

function requestParts(
  o: ReqOptions,
  adminToken: string,
): { headers: Record<string, string>; body?: string | Uint8Array } {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  const token = o.token === undefined ? adminToken : o.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let body: string | Uint8Array | undefined;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers["Content-Type"] = "application/json";
  } else if (o.raw !== undefined) {
    body = typeof o.raw === "string" ? new TextEncoder().encode(o.raw) : o.raw;
    if (o.contentType) headers["Content-Type"] = o.contentType;
  }
  return body === undefined ? { headers } : { headers, body };
}

function toRes(res: Response, text: string, headers: Headers = res.headers): Res {
  const contentType = headers.get("content-type") ?? "";
  let json: unknown;
  if (contentType.startsWith("application/json") && text) json = JSON.parse(text);
  return { status: res.status, headers, text, json, contentType };
}

type Base = Pick<
  Harness,
  | "emu"
  | "url"
  | "adminToken"
  | "adminPassword"
  | "adminTokenApplication"
  | "token"
  | "tokenApplication"
  | "mintLogKinds"
  | "real"
  | "ours"
  | "req"
>;

function harness(base: Base): Harness {
  const { req } = base;
  const ok = (r: Res, expected: number, what: string) => {
    if (r.status !== expected) throw new Error(`${what}: expected ${expected}, got ${r.status} ${r.text}`);
  };
  const h: Harness = {
    ...base,
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
      return base.token(name, scopes);
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

/** Where a request creates a namespace (or renames one): the name it gives, from the body. */
function createdName(method: string, path: string, body: unknown): unknown {
  const b = (body ?? {}) as Record<string, unknown>;
  const p = path.split("?")[0] ?? "";
  if (method === "POST" && /^\/api\/v1\/organization\/?$/.test(p)) return b.name;
  if (method === "POST" && /^\/api\/v1\/(superuser\/users|user)\/?$/.test(p)) return b.username;
  if (method === "PUT" && /^\/api\/v1\/(superuser\/users\/[^/]+|user)\/?$/.test(p)) return b.username;
  if (method === "PUT" && /^\/api\/v1\/superuser\/organizations\/[^/]+\/?$/.test(p)) return b.name;
  return undefined;
}

/** A raw body as JSON, when it is JSON (for the names it creates); otherwise undefined. */
function rawJson(raw: string | Uint8Array | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  } catch {
    return undefined;
  }
}

/** The harness on a real Quay (real-quay.ts): same calls, names prefixed per test, cleanup after each. */
function useRealQuay(options: StartEmulatorOptions, emulatorOnlyReason?: string): Harness {
  const skip =
    typeof REAL === "string"
      ? REAL
      : emulatorOnlyReason
        ? `emulator only: ${emulatorOnlyReason}`
        : realSkipReason(options);
  const t = REAL as RealTarget;
  let ns = new NameSpace();
  let passwords = new Map<string, string>();
  // Namespaces the test made under names the prefix could not go on (too long): swept by name.
  let made = new Set<string>();
  let mint: TokenMint | undefined;
  beforeEach((ctx) => {
    if (skip) ctx.skip(skip);
    ns = new NameSpace();
    passwords = new Map();
    made = new Set();
  });
  afterEach(async () => {
    if (skip) return;
    const problems = await sweep(t, ns.prefix, made);
    if (problems.length) throw new Error(`cleanup on the real Quay: ${problems.join("; ")}`);
  });
  // Which OAuth application QUAY_TOKEN belongs to, as Quay's audit log names it: one write, read back.
  let tokenApp: { name: string; clientId: string } | undefined;
  beforeAll(async () => {
    if (skip) return;
    tokenApp = await tokenApplication(t);
  });
  afterAll(async () => {
    await mint?.tearDown();
  });
  const req = async (method: string, path: string, o: ReqOptions = {}): Promise<Res> => {
    let body: unknown = o.body;
    const sent = body ?? rawJson(o.raw);
    ns.register(createdName(method, path, sent));
    if (body !== undefined) body = ns.outJson(body);
    const raw =
      typeof o.raw === "string"
        ? ns.out(o.raw)
        : o.raw !== undefined && sent !== undefined
          ? new TextEncoder().encode(ns.out(new TextDecoder().decode(o.raw)))
          : o.raw;
    const parts = requestParts(
      { ...o, ...(body === undefined ? {} : { body }), ...(raw === undefined ? {} : { raw }) },
      t.token,
    );
    const res = await fetch(`${t.url}${ns.out(path)}`, {
      method,
      headers: parts.headers,
      body: parts.body,
      redirect: "manual",
    });
    const text = ns.back(await res.text());
    const headers = new Headers();
    res.headers.forEach((v, k) => {
      headers.append(k, ns.back(v));
    });
    const r = toRes(res, text, headers);
    // A superuser's user create answers the new user's password: kept to mint that user's tokens.
    const name = createdName(method, path, sent);
    if (typeof name === "string" && r.status < 300) made.add(ns.real(name));
    if (typeof name === "string" && r.status === 200 && typeof r.json?.password === "string")
      passwords.set(name, r.json.password);
    if (
      typeof name === "string" &&
      typeof (o.body as { password?: unknown })?.password === "string" &&
      r.status < 300
    )
      passwords.set(name, (o.body as { password: string }).password);
    return r;
  };
  return harness({
    emu: () => {
      throw new Error("emulator only: this test needs the emulator itself (mark it emulatorOnly)");
    },
    url: () => t.url,
    adminToken: () => t.token,
    adminPassword: () => {
      if (!t.password) throw new Error("QUAY_PASSWORD is not set");
      return t.password;
    },
    adminTokenApplication: () => {
      if (!tokenApp) throw new Error("the admin token's application is not known yet");
      return tokenApp;
    },
    async token(user, scopes) {
      if (user === "admin" && scopes.length === ALL.length) return t.token;
      const password = user === "admin" ? t.password : passwords.get(user);
      if (!password) throw new Error(`no password known for ${user} on the real Quay`);
      mint ??= new TokenMint(t);
      return mint.mint(ns.real(user), password, scopes);
    },
    tokenApplication: () => {
      if (!mint?.application) throw new Error("no token minted yet");
      return mint.application;
    },
    mintLogKinds: ["login_success"],
    real: (name) => ns.real(name),
    ours: (name) => name === "admin" || ns.has(name),
    req,
  });
}

/**
 * Every entry of a paginated superuser list (`?limit=` and `next_page`), page by page: the pages' sizes
 * and the entries, in order.
 */
export async function allPages(
  h: Harness,
  path: string,
  key: string,
  limit: number,
): Promise<{ sizes: number[]; names: string[] }> {
  const sizes: number[] = [];
  const names: string[] = [];
  let next: string | undefined;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const r = await h.get(
      `${path}${sep}limit=${limit}${next ? `&next_page=${encodeURIComponent(next)}` : ""}`,
    );
    expect(r.status).toBe(200);
    const page = r.json[key] as { name: string }[];
    sizes.push(page.length);
    names.push(...page.map((e) => e.name));
    next = r.json.next_page;
  } while (next);
  return { sizes, names };
}

/** The ApiException body of docs/quay-api.md#errors. */
export function expectApiException(r: Res, status: number, type: string, message?: string): void {
  expect(r.status).toBe(status);
  expect(r.contentType).toMatch(/^application\/json/);
  expect(r.json).toMatchObject({ error_type: type, title: type, status });
  expect(r.json.type).toMatch(new RegExp(`/api/v1/error/${type}$`));
  expect(r.json.detail).toBe(r.json.error_message);
  if (message !== undefined) expect(r.json.error_message).toBe(message);
}

/**
 * util.http.abort (CSRF refusals, anonymous access): `{"error"}` as JSON text, but under Flask's default
 * `text/html` content type (observed on Quay 3.18.0).
 */
export function expectAbort(r: Res, status: number, error: string): void {
  expect(r.status).toBe(status);
  expect(r.contentType).toMatch(/^text\/html/);
  expect(JSON.parse(r.text)).toEqual({ error });
}

/** docs/quay-api.md#errors DataModelException / docs/quay-api.md#errors Flask abort: `{"message"}` only. */
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
