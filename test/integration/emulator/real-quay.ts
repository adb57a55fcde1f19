/**
 * The conformance suite's other target: a real Quay (`npm run test:conformance:real`, docs/acceptance.md).
 * The same tests, the same HTTP, against the Quay named by QUAY_URL with the superuser's QUAY_TOKEN and
 * QUAY_USERNAME/QUAY_PASSWORD (the acceptance tier's variables).
 *
 * A real Quay is shared and is not reset between tests, so each test runs in its own name space: every
 * organization or user a test creates gets the test's random prefix (`acme` becomes `qg3k9aacme`), the
 * prefix is added wherever the test names it (path, query, JSON strings) and taken out of every answer,
 * so a test reads as it does against the emulator. After each test everything with its prefix is deleted
 * (organizations first, then users); nothing without the prefix is ever written by the cleanup.
 */
import { randomBytes } from "node:crypto";

export interface RealTarget {
  url: string;
  token: string;
  username: string;
  password: string | undefined;
}

/** Set by the vitest project `conformance` (vitest.config.ts); never by `npm test`. */
export const CONFORMANCE_REAL = process.env.QG_CONFORMANCE_REAL === "1";

export function realTarget(): RealTarget | string {
  const url = process.env.QUAY_URL;
  const token = process.env.QUAY_TOKEN;
  if (!url || !token)
    return "skipped: QUAY_URL and QUAY_TOKEN are not set (source the real Quay's env file; docs/acceptance.md)";
  const username = process.env.QUAY_USERNAME || "admin";
  if (username !== "admin") return `skipped: the suite's superuser is "admin"; QUAY_USERNAME is ${username}`;
  return { url: url.replace(/\/+$/, ""), token, username, password: process.env.QUAY_PASSWORD || undefined };
}

// Quay's namespace rule (util/validation.py at v3.18.0): 2 to 255 characters, this expression.
const NAMESPACE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const NAME_CHAR = "A-Za-z0-9._-";

/** The per-test name space: logical names (as the tests write them) to the names on the real Quay. */
export class NameSpace {
  /** `qg` and four base-36 characters: never hex, so it cannot turn up inside a digest or UUID. */
  readonly prefix = `qg${BigInt(`0x${randomBytes(4).toString("hex")}`)
    .toString(36)
    .slice(0, 4)
    .padStart(4, "0")}`;
  private readonly names = new Set<string>();
  private pattern: RegExp | undefined;
  private exact: RegExp | undefined;
  private readonly strip: RegExp;

  constructor() {
    this.strip = new RegExp(`(?<![A-Za-z0-9])${this.prefix}(?=[a-z0-9])`, "g");
  }

  /** Registers a namespace the test creates; names Quay would refuse (or refuse once prefixed) stay as they are. */
  register(name: unknown): void {
    if (typeof name !== "string" || !NAMESPACE.test(name) || name.length < 2 || name === "admin") return;
    if (name.startsWith(this.prefix) || this.prefix.length + name.length > 255) return;
    if (this.names.has(name)) return;
    this.names.add(name);
    const alternatives = [...this.names].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = new RegExp(`(?<![${NAME_CHAR}])(?:${alternatives.join("|")})(?![A-Za-z0-9_-])`, "g");
    this.exact = new RegExp(`"(${alternatives.join("|")})"`, "g");
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  real(name: string): string {
    return this.names.has(name) ? this.prefix + name : name;
  }

  /** Logical to real, in a path, a query or any text. */
  out(text: string): string {
    return this.pattern ? text.replace(this.pattern, (m) => this.prefix + m) : text;
  }

  /** A JSON body: only string values (and array items) are rewritten, never keys. */
  outJson(value: unknown): unknown {
    if (typeof value === "string") return this.out(value);
    if (Array.isArray(value)) return value.map((v) => this.outJson(v));
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.outJson(v)]));
    return value;
  }

  /**
   * Real to logical: the prefix taken out of an answer. A shared Quay may hold a namespace under the
   * plain logical name (someone else's `acme`): a JSON string that is exactly such a name comes back
   * as `"acme(elsewhere)"`, so it never passes for the test's own (words in messages are left alone).
   */
  back(text: string): string {
    const marked = this.exact ? text.replace(this.exact, (_m, name: string) => `"${name}(elsewhere)"`) : text;
    return marked.replace(this.strip, "");
  }

  owns(realName: string): boolean {
    return realName.startsWith(this.prefix);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A signed-in web session on the real Quay (docs/quay-api.md#sessions): cookie jar and the newest CSRF token. */
export class RealSession {
  private readonly cookies = new Map<string, string>();
  private csrf = "";
  constructor(private readonly url: string) {}

  private keep(h: Headers): void {
    for (const c of h.getSetCookie()) {
      const [pair] = c.split(";");
      const i = (pair ?? "").indexOf("=");
      if (i > 0) this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    this.csrf = h.get("x-next-csrf-token") ?? this.csrf;
  }

  async send(
    method: string,
    path: string,
    body?: string,
    contentType = "application/json",
  ): Promise<Response> {
    const headers: Record<string, string> = {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    };
    if (method !== "GET") headers["x-csrf-token"] = this.csrf;
    if (body !== undefined) headers["content-type"] = contentType;
    const res = await fetch(`${this.url}${path}`, { method, headers, body, redirect: "manual" });
    this.keep(res.headers);
    return res;
  }

  async signIn(username: string, password: string): Promise<void> {
    const first = await this.send("GET", "/csrf_token");
    this.csrf = ((await first.json()) as { csrf_token: string }).csrf_token;
    const r = await this.send("POST", "/api/v1/signin", JSON.stringify({ username, password }));
    if (r.status !== 200)
      throw new Error(`sign-in of ${username} on the real Quay: ${r.status} ${await r.text()}`);
  }
}

/**
 * OAuth tokens for the test's users, minted as Quay mints them: an application in an organization of
 * the run (`<run prefix>apps`), the superuser assigns a token to the user (`POST
 * /oauth/authorize/assignuser`), the user, signed in, accepts it (`POST /oauth/authorizeapp` with the
 * assignment), and the token comes back in the redirect's fragment (quay v3.18.0 endpoints/web.py,
 * data/model/oauth.py).
 */
export class TokenMint {
  readonly org = `qgz${randomBytes(3).toString("hex")}apps`;
  private clientId: string | undefined;
  /** The application as Quay's audit log names it on writes with the minted tokens. */
  application: { name: string; clientId: string } | undefined;
  private admin: RealSession | undefined;
  private readonly redirect = "http://localhost/conformance";

  constructor(private readonly t: RealTarget) {}

  private async api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.t.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.t.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  private async setUp(): Promise<{ clientId: string; admin: RealSession }> {
    if (this.clientId && this.admin) return { clientId: this.clientId, admin: this.admin };
    if (!this.t.password)
      throw new Error("minting a user's token needs QUAY_PASSWORD (the superuser's password)");
    const org = await this.api("POST", "/api/v1/organization/", { name: this.org });
    if (org.status !== 201) throw new Error(`create ${this.org}: ${org.status} ${JSON.stringify(org.json)}`);
    const app = await this.api("POST", `/api/v1/organization/${this.org}/applications`, {
      name: "conformance",
      redirect_uri: this.redirect,
      application_uri: "http://localhost/",
    });
    if (app.status !== 200) throw new Error(`create application: ${app.status} ${JSON.stringify(app.json)}`);
    this.clientId = (app.json as { client_id: string }).client_id;
    this.application = { name: "conformance", clientId: this.clientId };
    this.admin = new RealSession(this.t.url);
    await this.admin.signIn(this.t.username, this.t.password);
    return { clientId: this.clientId, admin: this.admin };
  }

  async mint(username: string, password: string, scopes: readonly string[]): Promise<string> {
    const { clientId, admin } = await this.setUp();
    const scope = scopes.join(" ");
    const q = new URLSearchParams({
      client_id: clientId,
      redirect_uri: this.redirect,
      scope,
      username,
      response_type: "token",
      format: "json",
    });
    const assigned = await admin.send("POST", `/oauth/authorize/assignuser?${q}`);
    if (assigned.status !== 200)
      throw new Error(`assign a token to ${username}: ${assigned.status} ${await assigned.text()}`);
    const user = new RealSession(this.t.url);
    await user.signIn(username, password);
    const list = await user.send("GET", "/api/v1/user/assignedauthorization");
    const assignments = (
      (await list.json()) as { authorizations: { uuid: string; application: { clientId: string } }[] }
    ).authorizations;
    const assignment = assignments.find((a) => a.application.clientId === clientId);
    if (!assignment) throw new Error(`no token assignment for ${username}`);
    const form = new URLSearchParams({
      client_id: clientId,
      redirect_uri: this.redirect,
      scope,
      response_type: "token",
      assignment_uuid: assignment.uuid,
    });
    const r = await user.send(
      "POST",
      "/oauth/authorizeapp",
      form.toString(),
      "application/x-www-form-urlencoded",
    );
    const location = r.headers.get("location") ?? "";
    const token = /[#&]access_token=([^&]+)/.exec(location)?.[1];
    if (!token)
      throw new Error(`authorize for ${username}: ${r.status} ${location || (await r.text()).slice(0, 200)}`);
    return token;
  }

  async tearDown(): Promise<void> {
    if (this.clientId) await this.api("DELETE", `/api/v1/organization/${this.org}`);
  }
}

/** Deletes every organization and user whose name starts with the prefix (organizations first). */
export async function sweep(t: RealTarget, prefix: string, extra: Iterable<string> = []): Promise<string[]> {
  const auth = { authorization: `Bearer ${t.token}` };
  const problems: string[] = [];
  const list = async (path: string, key: string): Promise<string[]> => {
    const res = await fetch(`${t.url}${path}`, { headers: auth });
    if (res.status !== 200) return [];
    const body = (await res.json()) as Record<string, { name?: string; username?: string }[]>;
    return (body[key] ?? []).map((x) => (x.name ?? x.username) as string);
  };
  const named = new Set(extra);
  const mine = (n: string) => n.startsWith(prefix) || named.has(n);
  const orgs = (await list("/api/v1/superuser/organizations/", "organizations")).filter(mine);
  for (const o of orgs) {
    const r = await fetch(`${t.url}/api/v1/organization/${o}`, { method: "DELETE", headers: auth });
    if (r.status !== 204) problems.push(`organization ${o}: ${r.status}`);
  }
  const users = (await list("/api/v1/superuser/users/?disabled=true", "users")).filter(mine);
  for (const u of users) {
    // Quay's delete leaves a disabled user alone (mark_namespace_for_deletion, yet 204): enable it first.
    await fetch(`${t.url}/api/v1/superuser/users/${u}`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ enabled: true }),
    });
    const r = await fetch(`${t.url}/api/v1/superuser/users/${u}`, { method: "DELETE", headers: auth });
    if (r.status !== 204) problems.push(`user ${u}: ${r.status}`);
  }
  return problems;
}

/** The application of the target's token: the OAuth metadata Quay logs with a write made with it. */
export async function tokenApplication(t: RealTarget): Promise<{ name: string; clientId: string }> {
  const ns = new NameSpace();
  const name = `${ns.prefix}probe`;
  const auth = { authorization: `Bearer ${t.token}` };
  try {
    const created = await fetch(`${t.url}/api/v1/organization/`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    if (created.status !== 201)
      throw new Error(`probe organization: ${created.status} ${await created.text()}`);
    const logs = (await (
      await fetch(`${t.url}/api/v1/organization/${name}/logs`, { headers: auth })
    ).json()) as {
      logs: { kind: string; metadata: Record<string, unknown> }[];
    };
    const entry = logs.logs.find((l) => l.kind === "org_create");
    const app = entry?.metadata.oauth_token_application;
    const clientId = entry?.metadata.oauth_token_application_id;
    if (typeof app !== "string" || typeof clientId !== "string")
      throw new Error("QUAY_TOKEN's writes carry no OAuth application in Quay's audit log");
    return { name: app, clientId };
  } finally {
    await fetch(`${t.url}/api/v1/organization/${name}`, { method: "DELETE", headers: auth });
  }
}
