import { QuayGitopsError } from "../errors";
import type { QuayScope } from "./scopes";

/**
 * Quay answered, with a status the caller did not accept (non-2xx, or 3xx: the client never
 * follows redirects, see docs/quay-api.md#routing). Branch on `status`, `errorType` or `unrouted`, never on `message`.
 *
 * `path` is the request path without its query string: query values (e.g. a `next_page` token)
 * never reach an error. The token never does either (the client redacts it from Quay's text).
 */
export class QuayApiError extends QuayGitopsError {
  override readonly code = "QG_ERR_QUAY_RESPONSE" as const;
  readonly status: number;
  /** Quay's own message: `error_message`, then `detail`, `message`, `error` (docs/quay-api.md#errors, docs/quay-api.md#emulator-gotchas). */
  readonly quayMessage: string;
  /** ApiException `error_type` (e.g. `invalid_request`, `insufficient_scope`) when Quay sent one. */
  readonly errorType: string | undefined;
  readonly method: string;
  readonly path: string;
  /** Route template, e.g. `/api/v1/organization/{orgname}/robots/{robot_shortname}`, when the path is a known route. */
  readonly route: string | undefined;
  /** Scopes the route needs (docs/quay-api.md#authentication), set on 401/403 when the route is known. */
  readonly requiredScopes: readonly QuayScope[] | undefined;
  /**
   * The token was not accepted at all: Quay ran the request as anonymous and the CSRF check
   * refused the write (403 `{"error": "CSRF token was invalid or missing."}`, docs/quay-api.md#authentication).
   */
  readonly tokenRejected: boolean;
  /**
   * The answer was an HTML page for a URL that matches no API route: wrong trailing slash or an
   * endpoint whose feature flag is off (docs/quay-api.md#routing, docs/quay-api.md#features). The capability check relies on this.
   */
  readonly unrouted: boolean;
  /** Parsed body (JSON value, or the start of a non-JSON body). */
  readonly body: unknown;
  /** Retry-After in milliseconds when Quay (or a proxy) sent one. */
  readonly retryAfterMs: number | undefined;
  /** HTTP attempts made for this call (1 + retries). */
  readonly attempts: number;
  /**
   * Set when the call gave up because only gateway errors (502/503/504) came for the whole
   * unreachable timeout: how long it had had no real answer (docs/client.md).
   */
  readonly unansweredForMs: number | undefined;

  constructor(init: {
    status: number;
    quayMessage: string;
    errorType: string | undefined;
    method: string;
    path: string;
    route: string | undefined;
    requiredScopes: readonly QuayScope[] | undefined;
    hint: string | undefined;
    tokenRejected: boolean;
    unrouted: boolean;
    body: unknown;
    retryAfterMs: number | undefined;
    attempts: number;
    unansweredForMs?: number | undefined;
  }) {
    const hint = init.hint ? ` — ${init.hint}` : "";
    super("QG_ERR_QUAY_RESPONSE", `${init.method} ${init.path}: ${init.status} ${init.quayMessage}${hint}`);
    this.status = init.status;
    this.quayMessage = init.quayMessage;
    this.errorType = init.errorType;
    this.method = init.method;
    this.path = init.path;
    this.route = init.route;
    this.requiredScopes = init.requiredScopes;
    this.tokenRejected = init.tokenRejected;
    this.unrouted = init.unrouted;
    this.body = init.body;
    this.retryAfterMs = init.retryAfterMs;
    this.attempts = init.attempts;
    this.unansweredForMs = init.unansweredForMs;
  }
}

/**
 * No usable answer from Quay: connection refused or reset, timeout, TLS failure, proxy failure —
 * after the retries the call was allowed. `mayHaveLanded` is true when a non-idempotent request may
 * have reached Quay and was therefore not re-sent (no `landed()` check was given, or it failed).
 */
export class QuayConnectionError extends QuayGitopsError {
  override readonly code = "QG_ERR_QUAY_CONNECTION" as const;
  readonly method: string;
  readonly path: string;
  /** The transport error code (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`, `SELF_SIGNED_CERT_IN_CHAIN`, ...). */
  readonly causeCode: string | undefined;
  readonly attempts: number;
  readonly mayHaveLanded: boolean;
  /**
   * Set when the call gave up because Quay had not answered for the whole unreachable timeout:
   * how long it had had no answer (docs/client.md).
   */
  readonly unansweredForMs: number | undefined;

  constructor(
    init: {
      method: string;
      path: string;
      causeCode: string | undefined;
      detail: string;
      attempts: number;
      mayHaveLanded: boolean;
      hint?: string | undefined;
      unansweredForMs?: number | undefined;
    },
    options?: { cause?: unknown },
  ) {
    const tries = init.attempts === 1 ? "1 attempt" : `${init.attempts} attempts`;
    const code = init.causeCode ? `${init.causeCode}: ` : "";
    const landed = init.mayHaveLanded ? "; the request may have reached Quay and was not re-sent" : "";
    const hint = init.hint ? ` — ${init.hint}` : "";
    super(
      "QG_ERR_QUAY_CONNECTION",
      `${init.method} ${init.path}: no answer from Quay after ${tries} (${code}${init.detail})${landed}${hint}`,
      options,
    );
    this.method = init.method;
    this.path = init.path;
    this.causeCode = init.causeCode;
    this.attempts = init.attempts;
    this.mayHaveLanded = init.mayHaveLanded;
    this.unansweredForMs = init.unansweredForMs;
  }
}

export function isQuayApiError(e: unknown): e is QuayApiError {
  return e instanceof QuayApiError;
}

export function isQuayConnectionError(e: unknown): e is QuayConnectionError {
  return e instanceof QuayConnectionError;
}

/** Why a session sign-in failed (branch on this, never on the message). */
export type SignInFailure =
  /** Quay refused the username with that password (403 `invalidCredentials`). */
  | "rejected"
  /** The account may not sign in until its e-mail address is verified (403 `needsEmailVerification`). */
  | "unverified"
  /**
   * This Quay has no password sign-in: the route is not registered (FEATURE_DIRECT_LOGIN off, e.g.
   * external OIDC login only) or its auth backend refuses every password (AppToken).
   */
  | "unavailable"
  /** The login throttle kept answering 429 after the allowed waits. */
  | "throttled";

/**
 * Signing in with the username and password did not give a session (docs/client.md
 * "Authentication"). A rejected password or an unavailable sign-in is not tried again in the same
 * process: each failed attempt grows Quay's login throttle. The password never appears here.
 */
export class QuaySignInError extends QuayGitopsError {
  override readonly code = "QG_ERR_QUAY_SIGNIN" as const;
  readonly reason: SignInFailure;
  readonly username: string;
  /** The status of Quay's last answer, when there was one. */
  readonly status: number | undefined;

  constructor(
    init: { reason: SignInFailure; username: string; status?: number | undefined; detail: string },
    options?: { cause?: unknown },
  ) {
    super("QG_ERR_QUAY_SIGNIN", signInMessage(init.reason, init.username, init.detail), options);
    this.reason = init.reason;
    this.username = init.username;
    this.status = init.status;
  }
}

function signInMessage(reason: SignInFailure, username: string, detail: string): string {
  const who = JSON.stringify(username);
  switch (reason) {
    case "rejected":
      return `Quay rejected the username ${who} with that password (${detail}): check the password (quay-gitops:password or QUAY_PASSWORD) and the username`;
    case "unverified":
      return `Quay will not sign in ${who} (${detail}): the account's e-mail address is not verified`;
    case "unavailable":
      return `this Quay does not allow signing in with a password (${detail}); use a token instead (quay-gitops:token or QUAY_TOKEN, and no username/password)`;
    case "throttled":
      return `Quay's login throttle kept refusing ${who} (${detail}): an earlier sign-in with a wrong password locked it for a while; wait and run again, and find what else signs in as ${who} with a wrong password`;
  }
}

export function isQuaySignInError(e: unknown): e is QuaySignInError {
  return e instanceof QuaySignInError;
}
