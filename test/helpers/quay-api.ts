import { SCENARIO_USER_AGENT } from "./audit-scenario";

/** JSON calls to a Quay (real or emulated), with a token or as a signed-in session. */
export type Api = <T = unknown>(
  method: string,
  apiPath: string,
  body?: unknown,
) => Promise<{ status: number; data: T }>;

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
 * The API as the web UI uses it: a session signed in with a password (docs/quay-api.md#sessions): `/csrf_token`,
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
