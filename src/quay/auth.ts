/**
 * The two ways the client authenticates (docs/client.md "Authentication"):
 *
 * - a **token** (`TokenAuth`): `Authorization: Bearer` on every request. Quay checks it with bcrypt
 *   on every request (`data/model/oauth.py` validate_access_token at v3.18.0), ~300 ms of its CPU each;
 * - a **session** (`SessionAuth`): the web UI's sign-in with a username and password, then a cookie
 *   and a CSRF token. One bcrypt at sign-in, none afterwards: 13 times more requests per second on
 *   the same Quay (measured on 3.18.0, docs/client.md).
 *
 * Each is two attempt wrappers (wrappers.ts): `credentials`, the innermost, adds what the attempt
 * carries when it is really sent; `guard`, the outermost (before a concurrency slot is taken, so a
 * sign-in never waits for a slot held by a request that waits for the sign-in), signs in and
 * repairs a lost session.
 */
import { createHash } from "node:crypto";
import { CookieJar } from "./cookies";
import { type QuayApiError, QuaySignInError } from "./errors";
import { errorTypeOf, isCsrfRefusal, type RawResponse } from "./response";
import {
  type AttemptRequest,
  type SessionTicket,
  type Send,
  withAuth,
  withHeaders,
  type Wrapper,
} from "./wrappers";

export type AuthMode = "token" | "session";

export interface Authenticator {
  readonly mode: AuthMode;
  readonly credentials: Wrapper;
  readonly guard: Wrapper | undefined;
  /** Credentials to cut out of anything Quay echoes, by label (response.ts redactSecrets). */
  secrets(): Readonly<Record<string, string>>;
}

export class TokenAuth implements Authenticator {
  readonly mode = "token" as const;
  readonly credentials: Wrapper;
  readonly guard = undefined;
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
    this.credentials = withAuth(token);
  }

  secrets(): Readonly<Record<string, string>> {
    return { token: this.#token };
  }
}

/** One sign-in request's answer, whatever its status, as the session needs it. */
export interface SignInAnswer {
  readonly status: number;
  readonly data: unknown;
  readonly nonJson: boolean;
  readonly headers: RawResponse["headers"];
  /** The QuayApiError for an answer the session does not expect. */
  error(): QuayApiError;
}

/**
 * How the session sends its own requests: through the attempt pipeline below the guard (counted,
 * limited, with its credentials), retried like an idempotent call, with the login throttle's waits
 * for 429 (client.ts). Transport failures after the retries are thrown as QuayConnectionError.
 */
export type SignInTransport = (method: "GET" | "POST", path: string, body?: unknown) => Promise<SignInAnswer>;

export const CSRF_TOKEN_PATH = "/csrf_token";
export const SIGNIN_PATH = "/api/v1/signin";
export const VERIFY_PATH = "/api/v1/signin/verify";

/** The message of `data/users/apptoken.py`: this Quay takes no password at all. */
const APP_TOKEN_ONLY = "An application specific token is required to login";

/**
 * How long to wait before the next sign-in after a 429 of Quay's login throttle. Quay locks an
 * account for 0.5 s · (2^n − 1) after n failed sign-ins (`data/model/user.py` verify_user and
 * `util/backoff.py` at v3.18.0) and sends that wait as Retry-After in whole seconds, truncated (so
 * often "0"): wait one second more than it says, at least 1 s, 2 s, 4 s ... by attempt, at most 30 s.
 */
export function signInThrottleWait(attempt: number, retryAfterMs: number | undefined): number {
  return Math.min(30_000, Math.max((retryAfterMs ?? 0) + 1_000, 1_000 * 2 ** (attempt - 1)));
}

type Trouble = "fresh" | "signin" | "resend";

/** A signed-in session as another process of the same run takes it over: its cookies and CSRF token. */
export interface HandedSession {
  readonly cookies: readonly (readonly [string, string])[];
  readonly csrf: string;
}

/**
 * Where the processes of one run hand each other the session (src/quay/api/journal.ts keeps it
 * sealed in the run's private folder). `account` names the URL, username and password the session
 * was signed in with (a digest, never the password): a session is only taken over by a client of
 * the same connection.
 */
export interface SessionStore {
  /** The latest session saved for the account, if any. */
  load(account: string): HandedSession | undefined;
  save(account: string, session: HandedSession): void;
}

/**
 * A session from a username and password (`endpoints/api/user.py` Signin and
 * VerifyUser, `endpoints/csrf.py` at v3.18.0):
 *
 * - lazily, once per client: `GET /csrf_token` (the CSRF token and the session cookie), then
 *   `POST /api/v1/signin` with it, which answers a new cookie and `X-Next-CSRF-Token`. Concurrent
 *   requests share the one sign-in in flight;
 * - every request sends the cookies; every non-GET the current CSRF token; any answer carrying
 *   `X-Next-CSRF-Token` replaces the token;
 * - repair, once per call: a 401 `fresh_login_required` (superuser endpoints, organization delete,
 *   FRESH_LOGIN_TIMEOUT after the sign-in) is answered by `POST /api/v1/signin/verify`; any other
 *   401, or a write's 403 CSRF refusal, means the session no longer authenticates (expired,
 *   signed out elsewhere): sign in again. Then the request is sent once more. That re-send is safe
 *   for a write too: Quay checks the CSRF token before the handler runs (`csrf_protect` in the API
 *   blueprint's decorators, `endpoints/api/__init__.py`), and raises 401 from decorators and
 *   permission checks that precede any change (`require_fresh_login`, `Unauthorized`), so such an
 *   answer says the write did not happen.
 *
 * Cookies and the CSRF token change together: Quay's session is a signed cookie holding the token,
 * and an answer to a request sent before a sign-in or verify carries the older cookie. An epoch,
 * bumped by every session change, keeps such a late cookie out of the jar.
 *
 * The client never signs out: `POST /api/v1/signout` ends every session of the account
 * (`invalidate_all_sessions`), including those of other processes signed in as the same user.
 *
 * With a `SessionStore`, one sign-in serves a whole run of several processes: the first client
 * that needs the session takes over the one the store holds instead of signing in, and every
 * sign-in or verify saves the new one there. Sharing a session between processes is what Quay's
 * session is made for: it is a signed cookie with nothing kept on the server (Flask's
 * SecureCookieSessionInterface; quay v3.18.0 sets no other `session_interface`), its CSRF token
 * changes only at a sign-in or verify (`common_login`, `endpoints/common.py`), and each process
 * keeps its own copy of cookie and token, so a verify in one leaves the others' copies valid. A
 * session taken over that Quay no longer takes is repaired like any other (above).
 */
export class SessionAuth implements Authenticator {
  readonly mode = "session" as const;
  readonly username: string;
  readonly #password: string;
  readonly #jar = new CookieJar();
  #csrf: string | undefined;
  #epoch = 0;
  #signedIn = false;
  #pending: Promise<void> | undefined;
  /** A sign-in that cannot succeed in this process (wrong password, no password sign-in). */
  #failure: QuaySignInError | undefined;
  #transport: SignInTransport | undefined;
  readonly #store: SessionStore | undefined;
  /** The store's name for this connection's session (set by attach, which knows the URL). */
  #account = "";
  /** Whether the store was asked already: a process takes a session over at most once. */
  #looked = false;

  constructor(username: string, password: string, store?: SessionStore | undefined) {
    this.username = username;
    this.#password = password;
    this.#store = store;
  }

  /** The client gives the session its way to send (the pipeline below the guard) and its URL. */
  attach(transport: SignInTransport, url: string): void {
    this.#transport = transport;
    this.#account = createHash("sha256")
      .update(JSON.stringify([url, this.username, this.#password]))
      .digest("hex");
  }

  secrets(): Readonly<Record<string, string>> {
    return { password: this.#password };
  }

  readonly credentials: Wrapper = (next: Send) => async (req: AttemptRequest) => {
    const extra: Record<string, string> = {};
    const cookie = this.#jar.header();
    if (cookie !== undefined) extra.cookie = cookie;
    const csrf = this.#csrf;
    if (csrf !== undefined && req.method !== "GET" && req.method !== "HEAD") extra["x-csrf-token"] = csrf;
    const epoch = this.#epoch;
    if (req.ticket) {
      req.ticket.epoch = epoch;
      req.ticket.csrf = csrf;
    }
    const res = await next(withHeaders(req, extra));
    const announced = res.headers["x-next-csrf-token"];
    const rotated = Array.isArray(announced) ? announced[0] : announced;
    if (rotated) {
      this.#epoch++;
      this.#csrf = rotated;
      this.#jar.store(res.headers["set-cookie"]);
    } else if (epoch === this.#epoch) {
      this.#jar.store(res.headers["set-cookie"]);
    }
    return res;
  };

  readonly guard: Wrapper = (next: Send) => async (req: AttemptRequest) => {
    await this.#ensure(req.signal);
    const ticket: SessionTicket = { epoch: -1, csrf: undefined };
    const res = await next({ ...req, ticket });
    const trouble = this.#trouble(req.method, res, ticket);
    if (trouble === undefined || req.call.sessionRepaired) return res;
    req.call.sessionRepaired = true;
    if (trouble !== "resend") await this.#repair(trouble, ticket.epoch, req.signal);
    return next({ ...req, ticket: { epoch: -1, csrf: undefined }, attempt: req.attempt + 1 });
  };

  #trouble(method: string, res: RawResponse, ticket: SessionTicket): Trouble | undefined {
    if (res.status === 401) return errorTypeOf(res.data) === "fresh_login_required" ? "fresh" : "signin";
    if (res.status === 403 && method !== "GET" && method !== "HEAD" && isCsrfRefusal(res.data)) {
      // Sent with a token that a sign-in or verify has replaced since: only the re-send is needed.
      return ticket.csrf !== this.#csrf ? "resend" : "signin";
    }
    return undefined;
  }

  async #ensure(signal: AbortSignal | undefined): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#signedIn) return;
    if (!this.#pending && this.#takeOver()) return;
    await untilAborted(this.#pending ?? this.#start("signin"), signal);
  }

  /**
   * Takes over the session another process of the run signed in (synchronously, so concurrent
   * first requests all see it). Nothing was sent with this client's session before: no epoch of
   * an older one to keep apart.
   */
  #takeOver(): boolean {
    if (this.#looked || !this.#store) return false;
    this.#looked = true;
    const handed = this.#store.load(this.#account);
    if (!handed) return false;
    this.#jar.restore(handed.cookies);
    this.#csrf = handed.csrf;
    this.#epoch++;
    this.#signedIn = true;
    return true;
  }

  /** Saves the session for the run's later processes (after a sign-in or verify changed it). */
  #handOn(): void {
    // A process that signed in itself never looks for another's session afterwards.
    this.#looked = true;
    if (!this.#store || this.#csrf === undefined) return;
    this.#store.save(this.#account, { cookies: this.#jar.entries(), csrf: this.#csrf });
  }

  /** Repairs the session unless another request already did since `seenEpoch`. */
  async #repair(
    trouble: "fresh" | "signin",
    seenEpoch: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (;;) {
      if (this.#epoch !== seenEpoch) return;
      const pending = this.#pending;
      if (!pending) break;
      await untilAborted(
        pending.catch(() => undefined),
        signal,
      );
    }
    await untilAborted(this.#start(trouble === "fresh" ? "verify" : "signin"), signal);
  }

  /** Starts the one session operation in flight; everyone who needs it awaits the same promise. */
  #start(op: "signin" | "verify"): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const p: Promise<void> = (op === "verify" ? this.#verify() : this.#signIn()).finally(() => {
      if (this.#pending === p) this.#pending = undefined;
    });
    this.#pending = p;
    // Awaited by whoever needs it; this only keeps a sign-in nobody waits for any more from
    // becoming an unhandled rejection.
    p.catch(() => undefined);
    return p;
  }

  #send(method: "GET" | "POST", path: string, body?: unknown): Promise<SignInAnswer> {
    if (!this.#transport) throw new TypeError("SessionAuth is not attached to a client");
    return this.#transport(method, path, body);
  }

  async #signIn(): Promise<void> {
    // A new session: nothing of the old one is sent again, and answers still on their way to
    // requests of the old one leave the jar alone.
    this.#signedIn = false;
    this.#epoch++;
    this.#jar.clear();
    this.#csrf = undefined;
    this.#csrf = await this.#fetchCsrfToken();
    const before = this.#csrf;
    const res = await this.#send("POST", SIGNIN_PATH, { username: this.username, password: this.#password });
    if (res.status >= 200 && res.status < 300) {
      // Quay announces the new token; were it ever missing, the session cookie still knows it.
      if (this.#csrf === before) this.#csrf = await this.#fetchCsrfToken();
      this.#signedIn = true;
      this.#handOn();
      return;
    }
    throw this.#failed(res, "POST /api/v1/signin");
  }

  async #verify(): Promise<void> {
    const before = this.#csrf;
    const res = await this.#send("POST", VERIFY_PATH, { password: this.#password });
    if (res.status >= 200 && res.status < 300) {
      if (this.#csrf === before) this.#csrf = await this.#fetchCsrfToken();
      this.#handOn();
      return;
    }
    // The session itself is gone (or its token): a full sign-in renews the login time as well.
    if (res.status === 401 || (res.status === 403 && isCsrfRefusal(res.data))) return this.#signIn();
    throw this.#failed(res, "POST /api/v1/signin/verify");
  }

  async #fetchCsrfToken(): Promise<string> {
    const res = await this.#send("GET", CSRF_TOKEN_PATH);
    const token = (res.data as { csrf_token?: unknown } | undefined)?.csrf_token;
    if (res.status === 200 && typeof token === "string" && token !== "") return token;
    if (res.status === 404 || res.status === 405 || res.status === 200) {
      throw this.#fail(
        "unavailable",
        res.status,
        `GET /csrf_token answered ${res.status} without a CSRF token`,
      );
    }
    throw res.error();
  }

  /** The error for a sign-in or verify answer that is not a success. */
  #failed(res: SignInAnswer, what: string): Error {
    const body = (res.data && typeof res.data === "object" ? res.data : {}) as Record<string, unknown>;
    const message = typeof body.message === "string" ? body.message : undefined;
    if (res.status === 429) {
      return new QuaySignInError({
        reason: "throttled",
        username: this.username,
        status: 429,
        detail: `${what} answered 429 Too many login attempts, also after the waits`,
      });
    }
    if ((res.status === 404 || res.status === 405) && res.nonJson) {
      return this.#fail(
        "unavailable",
        res.status,
        `${what} is not there (${res.status}): FEATURE_DIRECT_LOGIN is off, e.g. with external (OIDC) login only`,
      );
    }
    if (res.status === 403 && body.invalidCredentials === true) {
      if (message === APP_TOKEN_ONLY) {
        return this.#fail(
          "unavailable",
          403,
          `${what}: 403 "${APP_TOKEN_ONLY}" (AUTHENTICATION_TYPE AppToken)`,
        );
      }
      return this.#fail("rejected", 403, `${what}: 403 ${message ?? "invalidCredentials"}`);
    }
    if (res.status === 403 && body.needsEmailVerification === true) {
      return this.#fail("unverified", 403, `${what}: 403 needsEmailVerification`);
    }
    return res.error();
  }

  /** A failure that the same process would only repeat (and grow Quay's login throttle with). */
  #fail(reason: "rejected" | "unverified" | "unavailable", status: number, detail: string): QuaySignInError {
    this.#failure = new QuaySignInError({ reason, username: this.username, status, detail });
    return this.#failure;
  }
}

/** `p`, or the signal's reason as soon as it aborts (the shared work itself goes on). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
