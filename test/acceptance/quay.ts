import { randomBytes } from "node:crypto";
import { runCli } from "../helpers/git";
import { SCENARIO_USER_AGENT } from "../helpers/audit-scenario";

/**
 * The real Quay of the acceptance tier (docs/acceptance.md): QUAY_URL with QUAY_TOKEN (a superuser's
 * token with every scope), and QUAY_USERNAME/QUAY_PASSWORD (the same account) for the session
 * variant. Every name the tier creates starts with the run's prefix; nothing else is touched.
 */
export interface RealQuay {
  url: string;
  token: string;
  username?: string | undefined;
  password?: string | undefined;
}

export function realQuay(): RealQuay | undefined {
  const url = process.env.QUAY_URL;
  const token = process.env.QUAY_TOKEN;
  if (!url || !token) return undefined;
  return {
    url: url.replace(/\/+$/, ""),
    token,
    username: process.env.QUAY_USERNAME || undefined,
    password: process.env.QUAY_PASSWORD || undefined,
  };
}

export const SKIP_NO_QUAY =
  "skipped: QUAY_URL and QUAY_TOKEN are not set (source the real Quay's env file first; docs/acceptance.md)";

/** A per-run prefix: lowercase, short (Quay names), and unlikely to meet another run's. */
export const runPrefix = (): string => `acc${randomBytes(4).toString("hex").slice(0, 6)}`;

export type Api = 
  <T = unknown>(method: string, apiPath: string, body?: unknown) => Promise<{ status: number; data: T }>

async function call(
  url: string,
  method: string,
  apiPath: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; data: unknown; headers: Headers }> {
  const res = await fetch(`${url}${apiPath}`, {
    method,
    headers: {
      "user-agent": SCENARIO_USER_AGENT,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data: unknown = text;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, data, headers: res.headers };
}

/** The API with a bearer token. */
export function tokenApi(url: string, token: string): Api {
  return (async (method: string, apiPath: string, body?: unknown) => {
    const r = await call(url, method, apiPath, body, { authorization: `Bearer ${token}` });
    return { status: r.status, data: r.data };
  }) as Api;
}

/**
 * The API as the web UI uses it: a session signed in with a password (QUAY-API §1.3b): `/csrf_token`,
 * `POST /api/v1/signin` with the CSRF token, then the session cookie, and the newest CSRF token on
 * every write. Its writes are logged without any OAuth metadata, as a person's clicks are.
 */
export async function sessionApi(url: string, username: string, password: string): Promise<Api> {
  const cookies = new Map<string, string>();
  const keep = (h: Headers) => {
    for (const c of h.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const first = await fetch(`${url}/csrf_token`, { headers: { "user-agent": SCENARIO_USER_AGENT } });
  keep(first.headers);
  let csrf = ((await first.json()) as { csrf_token: string }).csrf_token;
  const signin = await call(
    url,
    "POST",
    "/api/v1/signin",
    { username, password },
    {
      cookie: cookie(),
      "x-csrf-token": csrf,
    },
  );
  if (signin.status !== 200)
    throw new Error(`sign-in of ${username}: ${signin.status} ${JSON.stringify(signin.data)}`);
  keep(signin.headers);
  csrf = signin.headers.get("x-next-csrf-token") ?? csrf;
  return (async (method: string, apiPath: string, body?: unknown) => {
    const r = await call(url, method, apiPath, body, {
      cookie: cookie(),
      ...(method === "GET" ? {} : { "x-csrf-token": csrf }),
    });
    keep(r.headers);
    csrf = r.headers.get("x-next-csrf-token") ?? csrf;
    return { status: r.status, data: r.data };
  }) as Api;
}

/** One way quay-gitops can sign in to Quay, as the CLI's environment. */
export interface CredentialSet {
  name: "token" | "session";
  /** Why the variant does not run, when it does not. */
  skip?: string;
  env: Record<string, string>;
}

/**
 * The credential sets the environment holds, each for every scenario. The session variant needs a
 * quay-gitops that signs in with a username and password (its help names QUAY_PASSWORD).
 */
export async function credentialSets(q: RealQuay): Promise<CredentialSet[]> {
  const sets: CredentialSet[] = [
    { name: "token", env: { QUAY_TOKEN: q.token, QUAY_USERNAME: "", QUAY_PASSWORD: "" } },
  ];
  const session: CredentialSet = {
    name: "session",
    env: { QUAY_TOKEN: "", QUAY_USERNAME: q.username ?? "", QUAY_PASSWORD: q.password ?? "" },
  };
  if (!q.username || !q.password)
    session.skip = "skipped: QUAY_USERNAME and QUAY_PASSWORD are not set (only a token)";
  else {
    const help = await runCli(["apply", "--help"], {});
    if (!help.stdout.includes("QUAY_PASSWORD"))
      session.skip =
        "skipped: this quay-gitops cannot sign in with a username and password yet (only a token)";
  }
  sets.push(session);
  return sets;
}
