import { STATUS_CODES } from "node:http";
import { QuayApiError } from "./errors";
import { describeScopeNeed, type RouteSpec } from "./scopes";

/** A response as read off the wire, before any decision about success. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON, the raw text of a non-JSON body, or undefined for an empty body. */
  readonly data: unknown;
  /** The body was not JSON (typically one of Quay's HTML pages, docs/quay-api.md#features). */
  readonly nonJson: boolean;
}

function header(headers: RawResponse["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Parses a body defensively: 204 has none; successes may be bare JSON strings (`"Created"`,
 * `""`, docs/quay-api.md#requests); every 500 is an HTML page (docs/quay-api.md#emulator-gotchas) and unrouted URLs answer HTML (docs/quay-api.md#features).
 * JSON is tried whenever the body looks like JSON, whatever the Content-Type says.
 */
export function parseBody(
  status: number,
  contentType: string | undefined,
  text: string,
): { data: unknown; nonJson: boolean } {
  if (status === 204 || status === 205 || status === 304 || text.length === 0) {
    return { data: undefined, nonJson: false };
  }
  const trimmed = text.trimStart();
  const looksJson = /^[[{"]|^-?\d|^(true|false|null)\b/.test(trimmed);
  if (looksJson || (contentType ?? "").includes("json")) {
    try {
      return { data: JSON.parse(text), nonJson: false };
    } catch {
      // fall through: keep the text
    }
  }
  return { data: text, nonJson: true };
}

const MESSAGE_KEYS = ["error_message", "detail", "message", "error"] as const;

/** Quay's message, read in the order docs/quay-api.md#emulator-gotchas gives: error_message → detail → message → error. */
export function quayMessage(status: number, data: unknown, nonJson: boolean): string {
  if (data && typeof data === "object" && !Array.isArray(data)) {
    const rec = data as Record<string, unknown>;
    for (const k of MESSAGE_KEYS) {
      const v = rec[k];
      if (typeof v === "string" && v.trim() !== "") return oneLine(v);
    }
  }
  if (typeof data === "string" && data.trim() !== "") {
    if (!nonJson) return oneLine(data);
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(data)?.[1]?.trim();
    if (title) return oneLine(title);
    const h1 = /<h1[^>]*>([^<]*)<\/h1>/i.exec(data)?.[1]?.trim();
    if (h1) return oneLine(h1);
    if (!/^\s*</.test(data)) return oneLine(data);
  }
  return STATUS_CODES[status] ?? `HTTP ${status}`;
}

function oneLine(s: string): string {
  // jsonschema failures are multi-line dumps (docs/quay-api.md#requests); keep the first line, bounded.
  const first = s.trim().split(/\r?\n/, 1)[0] ?? "";
  return first.length > 300 ? `${first.slice(0, 297)}...` : first;
}

export function errorTypeOf(data: unknown): string | undefined {
  if (data && typeof data === "object" && !Array.isArray(data)) {
    const t = (data as Record<string, unknown>).error_type;
    if (typeof t === "string" && t !== "") return t;
  }
  return undefined;
}

/**
 * True for the CSRF refusal a write gets when Quay ran it without a valid token or session, or
 * with a session whose CSRF token it does not hold (`endpoints/csrf.py` at v3.18.0).
 */
export function isCsrfRefusal(data: unknown): boolean {
  if (!data || typeof data !== "object") return false;
  const e = (data as Record<string, unknown>).error;
  return typeof e === "string" && /CSRF token/i.test(e);
}

export interface ErrorContext {
  readonly method: string;
  /** Path without query string. */
  readonly path: string;
  readonly route: RouteSpec | undefined;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;
  /** Credentials to cut out of anything Quay's text might echo, by label: `{ token: "..." }` → `[token]`. */
  readonly secrets: Readonly<Record<string, string>>;
  /** How the client authenticates (the hints differ); default `token`. */
  readonly auth?: "token" | "session" | undefined;
  /** The call gave up waiting out an outage (outage.ts): how long, and what to say about it. */
  readonly gaveUp?: { readonly unansweredForMs: number; readonly note: string } | undefined;
}

/** Turns a response the caller did not accept into a {@link QuayApiError}. */
export function toApiError(res: RawResponse, ctx: ErrorContext): QuayApiError {
  const { status, data, nonJson } = res;
  const tokenRejected = (status === 401 || status === 403) && isCsrfRefusal(data);
  const unrouted = nonJson && (status === 404 || status === 405);
  const scopes = ctx.route && ctx.route.scopes.length > 0 ? ctx.route.scopes : undefined;
  let hint: string | undefined;
  const session = ctx.auth === "session";
  if (session && (tokenRejected || status === 401 || status === 403)) {
    hint = sessionHint(status, errorTypeOf(data), tokenRejected);
  } else if (tokenRejected) {
    hint =
      "Quay did not accept the token (invalid or expired), ran the request as anonymous, and its CSRF check refuses anonymous writes (docs/quay-api.md#authentication)";
  } else if (status === 401) {
    const need = ctx.route ? describeScopeNeed(ctx.route) : undefined;
    hint = need
      ? `the token is missing, invalid or expired, or ${need}`
      : "the token is missing, invalid or expired (docs/quay-api.md#authentication)";
  } else if (status === 403) {
    const need = ctx.route ? describeScopeNeed(ctx.route) : undefined;
    hint = need ?? "check the token's scopes and its user's role (docs/quay-api.md#scopes)";
  } else if (status >= 300 && status < 400) {
    const location = header(res.headers, "location");
    let where = "";
    if (location) {
      try {
        where = ` to ${new URL(location, "http://x").pathname}`;
      } catch {
        // an unparseable Location adds nothing
      }
    }
    hint = `Quay redirects${where}: routes declared with a trailing slash must be called with it (docs/quay-api.md#routing)`;
  } else if (unrouted) {
    hint =
      "no API route answers this URL: a wrong trailing slash, or an endpoint whose feature flag is off (docs/quay-api.md#routing, #features)";
  } else if (status === 500 && nonJson) {
    hint = "Quay failed with an unhandled exception; docs/quay-api.md#errors lists requests that do this";
  }
  if (ctx.gaveUp) hint = hint ? `${hint}; ${ctx.gaveUp.note}` : ctx.gaveUp.note;
  const redact = (s: string) => redactSecrets(s, ctx.secrets);
  const body = redactDeep(typeof data === "string" && nonJson ? data.slice(0, 2048) : data, redact);
  return new QuayApiError({
    status,
    quayMessage: redact(quayMessage(status, data, nonJson)),
    errorType: errorTypeOf(data),
    method: ctx.method,
    path: ctx.path,
    route: ctx.route?.template,
    requiredScopes: status === 401 || status === 403 ? scopes : undefined,
    hint,
    tokenRejected,
    unrouted,
    body,
    retryAfterMs: ctx.retryAfterMs,
    attempts: ctx.attempts,
    unansweredForMs: ctx.gaveUp?.unansweredForMs,
  });
}

/** A session request that failed even after the client signed in again (docs/client.md). */
function sessionHint(status: number, errorType: string | undefined, csrf: boolean): string {
  if (csrf) {
    return "Quay refused the session's CSRF token even after a fresh sign-in";
  }
  if (errorType === "fresh_login_required") {
    return "Quay still wants a fresh login after signin/verify (FRESH_LOGIN_TIMEOUT)";
  }
  if (status === 401) {
    // A disabled account cannot sign in at all on Quay 3.18.0 (QuaySignInError); this is a session
    // ended again right after the sign-in, e.g. by a sign-out or password change elsewhere.
    return "the session does not authenticate even after a fresh sign-in: was the account signed out or its password changed meanwhile?";
  }
  return "the signed-in account lacks the role: a session caps nothing, so the account itself needs it (a superuser in SUPER_USERS for users, quotas and the superuser API)";
}

/** `text` with every secret value (at least 4 characters) replaced by `[label]`. */
export function redactSecrets(text: string, secrets: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [label, value] of Object.entries(secrets)) {
    if (value.length >= 4) out = out.split(value).join(`[${label}]`);
  }
  return out;
}

/** A copy of a JSON value with `redact` applied to every string (keys included). */
function redactDeep(value: unknown, redact: (s: string) => string, depth = 0): unknown {
  if (typeof value === "string") return redact(value);
  if (depth > 20 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      redact(k),
      redactDeep(v, redact, depth + 1),
    ]),
  );
}

/**
 * A 503 that retrying cannot fix: the registry is in read-only mode (`is_readonly`, docs/quay-api.md#sources
 * docs/quay-api.md#authentication) or the repository is in READ_ONLY/MIRROR state (docs/quay-api.md#repositories).
 */
export function isPermanent503(data: unknown): boolean {
  if (!data || typeof data !== "object") return false;
  const rec = data as Record<string, unknown>;
  if (rec.is_readonly === true) return true;
  return (
    typeof rec.message === "string" && rec.message.startsWith("Repository is in read only or mirror mode")
  );
}
