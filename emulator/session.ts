import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { ResolvedConfig } from "./config";
import { ApiException, QuayError, unauthorized } from "./errors";
import type { Account } from "./state";

/**
 * The web session as Quay 3.18.0 keeps it: Flask's signed-cookie session (all data in the cookie,
 * nothing on the server), named `_csrf_token` (`SESSION_COOKIE_NAME` in config.py), HttpOnly,
 * SameSite=Lax, Path=/; permanent after a sign-in (FEATURE_PERMANENT_SESSIONS) and then re-issued
 * with every response, so it expires after SESSION_TIMEOUT (31 days) without use. Because the
 * server keeps nothing, an older cookie stays valid until it expires: what ends a session early is
 * the user's `uuid` changing (`invalidate_all_sessions`, on sign-out and password change).
 *
 * The cookie's format is ours (payload.time.signature, HMAC-SHA256 with SECRET_KEY); clients treat
 * it as opaque. The session holds the CSRF token (`endpoints/csrf.py`), the signed-in user's uuid
 * (`_user_id`, flask_login) and `login_time` (`endpoints/common.py: common_login`).
 */

export const SESSION_COOKIE_NAME = "_csrf_token";
const CSRF_HEADER = "x-csrf-token";
const CSRF_FIELD = "_csrf_token";

export interface SessionData {
  _csrf_token?: string;
  _user_id?: string;
  _fresh?: boolean;
  /** Milliseconds since the epoch (Quay: `datetime.now()` at sign-in or verify). */
  login_time?: number;
  _permanent?: boolean;
}

/** One request's session: loaded from the cookie, changed by handlers, written back if needed. */
export class RequestSession {
  readonly data: SessionData;
  modified = false;

  constructor(data: SessionData = {}) {
    this.data = data;
  }

  set<K extends keyof SessionData>(key: K, value: SessionData[K]): void {
    this.data[key] = value;
    this.modified = true;
  }

  delete(key: keyof SessionData): void {
    if (key in this.data) {
      delete this.data[key];
      this.modified = true;
    }
  }

  get empty(): boolean {
    return Object.keys(this.data).length === 0;
  }
}

function sign(secret: string, text: string): string {
  return createHmac("sha256", secret).update(text).digest("base64url");
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The session of a request: the cookie's data when its signature holds and it is younger than
 * SESSION_TIMEOUT (itsdangerous' max_age, whole seconds), else a new empty session.
 */
export function readSession(
  cookieHeader: string | undefined,
  config: ResolvedConfig,
  nowMs: number,
): RequestSession {
  const value = cookieValue(cookieHeader, SESSION_COOKIE_NAME);
  const parts = value?.split(".") ?? [];
  if (parts.length !== 3) return new RequestSession();
  const [payload, issued, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(config.secretKey, `${payload}.${issued}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return new RequestSession();
  const age = Math.floor(nowMs / 1000) - Number.parseInt(issued, 36);
  if (!(age >= 0 && age <= config.sessionTimeoutS)) return new RequestSession();
  try {
    const data = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
    if (data && typeof data === "object" && !Array.isArray(data))
      return new RequestSession(data as SessionData);
  } catch {
    // a signed cookie always parses; anything else is a new session
  }
  return new RequestSession();
}

/**
 * The `Set-Cookie` Flask's SecureCookieSessionInterface sends, or undefined: a changed session, or
 * a permanent one on every response (SESSION_REFRESH_EACH_REQUEST); an emptied one is deleted.
 */
export function sessionCookieHeader(
  session: RequestSession,
  config: ResolvedConfig,
  nowMs: number,
): string | undefined {
  const tail = `${config.secureSessionCookie ? "; Secure" : ""}; HttpOnly; Path=/; SameSite=Lax`;
  if (session.empty) {
    return session.modified
      ? `${SESSION_COOKIE_NAME}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0${tail}`
      : undefined;
  }
  const permanent = session.data._permanent === true;
  if (!session.modified && !permanent) return undefined;
  const payload = Buffer.from(JSON.stringify(session.data)).toString("base64url");
  const issued = Math.floor(nowMs / 1000).toString(36);
  const value = `${payload}.${issued}.${sign(config.secretKey, `${payload}.${issued}`)}`;
  const expires = permanent
    ? `; Expires=${new Date(nowMs + config.sessionTimeoutS * 1000).toUTCString()}`
    : "";
  return `${SESSION_COOKIE_NAME}=${value}${expires}${tail}`;
}

/** endpoints/csrf.py generate_csrf_token: the session's token, a new one if absent or forced. */
export function generateCsrfToken(session: RequestSession, force = false): string {
  const existing = session.data._csrf_token;
  if (existing !== undefined && !force) return existing;
  const token = randomBytes(48).toString("base64url");
  session.set("_csrf_token", token);
  return token;
}

/**
 * endpoints/csrf.py verify_csrf: the session's token must equal `_csrf_token` from the query string
 * or a form body (`request.values`), else the X-CSRF-Token header. A session without a token (a new
 * or expired cookie) never passes.
 */
export function csrfValid(
  session: RequestSession,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
): boolean {
  const token = session.data._csrf_token ?? "";
  let found = query.get(CSRF_FIELD) ?? "";
  if (!found && (headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
    found = new URLSearchParams(rawBody.toString("utf8")).get(CSRF_FIELD) ?? "";
  }
  if (!found) {
    const h = headers[CSRF_HEADER];
    found = (Array.isArray(h) ? h[0] : h) ?? "";
  }
  if (!token || !found) return false;
  const a = Buffer.from(token);
  const b = Buffer.from(found);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * endpoints/common.py common_login: puts the user in the session (only a verified user may log in:
 * LoginWrappedDBUser.is_active), stamps the login time, makes the session permanent and forces a
 * new CSRF token, announced in `X-Next-CSRF-Token`. Undefined when the user may not log in.
 */
export function commonLogin(
  session: RequestSession,
  user: Account,
  config: ResolvedConfig,
  nowMs: number,
): Record<string, string> | undefined {
  if (!user.verified) return undefined;
  user.uuid ??= randomUUID();
  session.set("_user_id", user.uuid);
  session.set("_fresh", true);
  session.set("login_time", nowMs);
  session.set("_permanent", config.feature("FEATURE_PERMANENT_SESSIONS"));
  return { "X-Next-CSRF-Token": generateCsrfToken(session, true) };
}

/** flask_login logout_user: the user leaves the session (its CSRF token stays). */
export function logoutUser(session: RequestSession): void {
  session.delete("_user_id");
  session.delete("_fresh");
}

/** data/model/user.py invalidate_all_sessions: a new uuid, so no existing cookie names the user. */
export function invalidateAllSessions(user: Account): void {
  user.uuid = randomUUID();
}

/** What require_fresh_login looks at. */
export interface FreshLoginContext {
  readonly caller: { readonly user: Account | null; readonly token: unknown };
  readonly session: RequestSession;
  readonly config: ResolvedConfig;
  readonly now: number;
}

/**
 * endpoints/api/__init__.py require_fresh_login: no user → Unauthorized; OAuth tokens pass; a
 * session passes within FRESH_LOGIN_TIMEOUT of its sign-in (or `signin/verify`), or when the auth
 * backend has no fresh login (AppToken) or the user no password (Database without one, OIDC).
 * Otherwise 401 `fresh_login_required`.
 */
export function requireFreshLogin(ctx: FreshLoginContext): void {
  const user = ctx.caller.user;
  if (!user || user.kind === "robot") throw unauthorized(user !== null);
  if (ctx.caller.token) return;
  const last = ctx.session.data.login_time;
  if (typeof last === "number" && last >= ctx.now - ctx.config.freshLoginTimeoutS * 1000) return;
  const auth = ctx.config.authenticationType;
  const supportsFreshLogin = auth !== "AppToken";
  const hasPassword =
    auth === "Database" ? user.passwordHash !== null : auth !== "AppToken" && auth !== "OIDC";
  if (!supportsFreshLogin || !hasPassword) return;
  throw new ApiException(401, "fresh_login_required", "Requires fresh login");
}

/**
 * A body that is neither JSON nor an HTML page: Flask's `make_response(text, status)` (text/html),
 * as the login throttle answers (`endpoints/decorated.py` at v3.18.0).
 */
export class TextError extends QuayError {
  readonly code = "QUAY_TEXT" as const;
  body(): unknown {
    return this.message;
  }
}

/** util/backoff.py exponential_backoff with data/model/user.py's 1 s scale: 0.5 s · (2^n − 1). */
export function loginBackoffMs(invalidAttempts: number): number {
  return 500 * (2 ** invalidAttempts - 1);
}

/** The 429 of a throttled sign-in: plain text, Retry-After in whole seconds (truncated, so often 0). */
export function tooManyLoginAttempts(retryAfterMs: number): TextError {
  return new TextError(429, "Too many login attempts. \nPlease reset your Quay password and try again.", {
    "Retry-After": String(Math.trunc(retryAfterMs / 1000)),
  });
}
