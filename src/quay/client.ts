import type { Dispatcher } from "undici";
import { ConfigError, isQuayGitopsError } from "../errors";
import {
  type Authenticator,
  SessionAuth,
  type SessionStore,
  type SignInAnswer,
  signInThrottleWait,
  TokenAuth,
} from "./auth";
import { type QuayApiError, QuayConnectionError } from "./errors";
import { Limiter } from "./limiter";
import {
  DEFAULT_UNREACHABLE_TIMEOUT_MS,
  gaveUpNote,
  type Outage,
  Reachability,
  withReachability,
} from "./outage";
import { type QueryValue, stripQuery, withQuery } from "./paths";
import { isPermanent503, parseBody, type RawResponse, redactSecrets, toApiError } from "./response";
import {
  type AttemptOutcome,
  DEFAULT_RETRY,
  errorCode,
  type GaveUp,
  isIdempotent,
  parseRetryAfter,
  type RetryOptions,
  type RetryResult,
  runWithRetry,
} from "./retry";
import { type HttpMethod, matchRoute, type RouteSpec, scopeForRoute } from "./scopes";
import { RequestStats } from "./stats";
import { createTransport, DEFAULT_TIMEOUTS, type Timeouts } from "./transport/dispatcher";
import type { ProxyEnv } from "./transport/proxy";
import { redactProxy } from "./transport/proxy";
import { isTlsVerificationCode } from "./transport/tls";
import {
  type AttemptRequest,
  type CallState,
  compose,
  type Send,
  withJson,
  withLimit,
  withStats,
} from "./wrappers";

export interface QuayClientOptions {
  /** Base URL of the registry, e.g. `https://quay.lab.example` (a path prefix is kept). */
  readonly url: string;
  /**
   * OAuth access token; sent as `Authorization: Bearer`, never shown anywhere. Give either a token
   * or a `username` and `password` (docs/client.md "Authentication").
   */
  readonly token?: string | undefined;
  /** Signs in with a session instead of a token (docs/client.md "Authentication"). */
  readonly username?: string | undefined;
  /** The account's password: held in a private field, sent only to `POST /api/v1/signin(/verify)`. */
  readonly password?: string | undefined;
  /**
   * Where the processes of one run hand each other their session, so that a run signs in once
   * (auth.ts `SessionStore`; the run's journal keeps it). Only for a session.
   */
  readonly sessionStore?: SessionStore | undefined;
  /** PEM bundle of extra trusted CAs (added to Node's roots). */
  readonly caFile?: string | undefined;
  /** Skip certificate verification. Off by default; only for throwaway labs. */
  readonly insecureSkipTlsVerify?: boolean | undefined;
  /** Most requests in flight at once (default 8, docs/quay-api.md#cost). */
  readonly maxConcurrency?: number | undefined;
  /** One number for the connect, headers and body timeouts, or each on its own (milliseconds). */
  readonly timeoutMs?:
    | number
    | { readonly connect?: number; readonly headers?: number; readonly body?: number }
    | undefined;
  /** Retry tuning, or `false` for a single attempt per call. */
  readonly retry?: Partial<RetryOptions> | false | undefined;
  readonly userAgent?: string | undefined;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read (default `process.env`). */
  readonly env?: ProxyEnv | undefined;
  /** Counter to record into; pass one to share it between clients. */
  readonly stats?: RequestStats | undefined;
  /**
   * How long calls keep trying while Quay gives no answer at all (a restart), from the first
   * unanswered attempt, for all calls of this client together (default 2 minutes; 0: only
   * `retry.maxAttempts`). docs/client.md "When Quay is unreachable".
   */
  readonly unreachableTimeoutMs?: number | undefined;
  /** Told when an outage of a second or more is over (it is also in `stats.snapshot().outages`). */
  readonly onOutage?: ((outage: Outage) => void) | undefined;
}

/** Did the previous attempt of a non-idempotent call take effect? (e.g. GET the object it creates) */
export type LandedCheck = () => Promise<boolean>;

interface RequestOptionsBase {
  /** JSON body (any JSON value; `null` is sent as `null`). Omit for no body. */
  readonly body?: unknown;
  /** Query parameters (undefined/null values left out). They never appear in errors or counters. */
  readonly query?: Readonly<Record<string, QueryValue>> | undefined;
  /**
   * Override the method's idempotency: `false` for a PUT that is create-only or not repeatable
   * (robot create, team member add, docs/quay-api.md#emulator-gotchas). Defaults to false when a landed() check is given.
   */
  readonly idempotent?: boolean | undefined;
  /** Non-2xx statuses to return instead of throwing (e.g. `[404]` to read "gone"). */
  readonly accept?: readonly number[] | undefined;
  /** Route template for the counter and the scope hint, when the path is not in the route table. */
  readonly route?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface RequestOptions extends RequestOptionsBase {
  readonly retry?:
    | false
    | { readonly maxAttempts?: number | undefined; readonly landed?: undefined }
    | undefined;
}

export interface CheckedRequestOptions extends RequestOptionsBase {
  /**
   * `landed` is asked, after a failure that may have been processed (reset after sending, 502,
   * 503, 504, timeout), whether the call took effect. false: the call is sent again; true: the
   * client stops and returns a {@link QuayLanded} instead of sending it twice.
   */
  readonly retry: { readonly landed: LandedCheck; readonly maxAttempts?: number | undefined };
}

export interface QuayResponse<T = unknown> {
  readonly landed: false;
  readonly status: number;
  /** Parsed JSON; undefined for an empty body (204); the text of a non-JSON body. */
  readonly data: T;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly attempts: number;
}

/** A non-idempotent call whose response was lost, and which the landed() check found applied. */
export interface QuayLanded {
  readonly landed: true;
  readonly attempts: number;
  /** What the lost attempt got instead of its answer (for logs). */
  readonly lostResponse: QuayApiError | QuayConnectionError;
}

const METHODS = new Set<string>(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);

/** Where an error happened: the request, as errors show it. */
interface ErrorSite {
  readonly method: string;
  readonly path: string;
  readonly route: RouteSpec | undefined;
  /** The call gave up waiting out an outage (outage.ts): how long, and what to say about it. */
  readonly gaveUp?: { readonly unansweredForMs: number; readonly note: string } | undefined;
}

/** A token, or a username and password: exactly one of the two (resolveConnection picks). */
function authenticator(options: QuayClientOptions): Authenticator {
  const { token, username, password } = options;
  const hasToken = token !== undefined;
  const hasLogin = username !== undefined || password !== undefined;
  if (hasToken && hasLogin) {
    throw new ConfigError("give the Quay client a token or a username and password, not both");
  }
  if (hasLogin) {
    if (typeof username !== "string" || username.trim() === "") {
      throw new ConfigError(
        "a Quay password was given without a username (quay-gitops:username or QUAY_USERNAME)",
      );
    }
    if (typeof password !== "string" || password === "") {
      throw new ConfigError(
        `a Quay username (${JSON.stringify(username)}) was given without a password (quay-gitops:password or QUAY_PASSWORD)`,
      );
    }
    return new SessionAuth(username.trim(), password, options.sessionStore);
  }
  if (typeof token !== "string" || token.trim() === "") {
    throw new ConfigError(
      "a Quay token or a username and password is required (quay-gitops:token or QUAY_TOKEN; quay-gitops:username and quay-gitops:password, or QUAY_USERNAME and QUAY_PASSWORD)",
    );
  }
  if (/[\r\n]/.test(token)) throw new ConfigError("the Quay token contains a line break");
  return new TokenAuth(token.trim());
}

function resolveTimeouts(t: QuayClientOptions["timeoutMs"]): Timeouts {
  if (t === undefined) return DEFAULT_TIMEOUTS;
  if (typeof t === "number") return { connectMs: t, headersMs: t, bodyMs: t };
  return {
    connectMs: t.connect ?? DEFAULT_TIMEOUTS.connectMs,
    headersMs: t.headers ?? DEFAULT_TIMEOUTS.headersMs,
    bodyMs: t.body ?? DEFAULT_TIMEOUTS.bodyMs,
  };
}

function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`the Quay URL ${JSON.stringify(raw)} is not a valid URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`the Quay URL must be http:// or https://, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ConfigError(
      "the Quay URL must not carry credentials: give a token, or a username and password, on their own",
    );
  }
  if (url.search || url.hash) {
    throw new ConfigError("the Quay URL must not have a query or fragment");
  }
  return url;
}

/**
 * The only code that speaks HTTP to Quay. One keep-alive connection pool, at most
 * `maxConcurrency` requests in flight, retries with backoff, typed errors, a request counter.
 * Callers give exact API paths (build them with `apiPath`/`repo` from `./paths`).
 */
export class QuayClient {
  readonly url: string;
  readonly stats: RequestStats;
  readonly maxConcurrency: number;
  /** The proxy in use, as `scheme://host:port` (no credentials), or undefined. */
  readonly proxy: string | undefined;
  /** `token` (a bearer token) or `session` (signed in with a username and password). */
  readonly auth: "token" | "session";
  /** The signed-in account, for a session (not a secret). */
  readonly username: string | undefined;
  readonly #auth: Authenticator;
  readonly #origin: string;
  readonly #prefix: string;
  readonly #retry: RetryOptions;
  readonly #timeouts: Timeouts;
  readonly #limiter: Limiter;
  readonly #reachability: Reachability;
  readonly #dispatcher: Dispatcher;
  readonly #send: Send;
  /** The pipeline below the auth guard: what a session's own sign-in requests go through. */
  readonly #inner: Send;
  #closed = false;

  constructor(options: QuayClientOptions) {
    const base = parseBaseUrl(options.url);
    this.#auth = authenticator(options);
    this.auth = this.#auth.mode;
    this.username = this.#auth instanceof SessionAuth ? this.#auth.username : undefined;
    const maxConcurrency = options.maxConcurrency ?? 8;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new ConfigError(`maxConcurrency must be a positive integer, got ${maxConcurrency}`);
    }
    this.#origin = base.origin;
    this.#prefix = base.pathname.replace(/\/+$/, "");
    this.url = `${base.origin}${this.#prefix}`;
    this.maxConcurrency = maxConcurrency;
    this.#retry =
      options.retry === false ? { ...DEFAULT_RETRY, maxAttempts: 1 } : { ...DEFAULT_RETRY, ...options.retry };
    this.#timeouts = resolveTimeouts(options.timeoutMs);
    this.stats = options.stats ?? new RequestStats();
    this.#limiter = new Limiter(maxConcurrency);
    const unreachableTimeoutMs =
      options.retry === false ? 0 : (options.unreachableTimeoutMs ?? DEFAULT_UNREACHABLE_TIMEOUT_MS);
    if (!Number.isFinite(unreachableTimeoutMs) || unreachableTimeoutMs < 0) {
      throw new ConfigError(`unreachableTimeoutMs must be 0 or more, got ${unreachableTimeoutMs}`);
    }
    const onOutage = options.onOutage;
    this.#reachability = new Reachability(unreachableTimeoutMs, (o) => {
      this.stats.recordOutage(o);
      onOutage?.(o);
    });
    const transport = createTransport({
      url: base,
      connections: maxConcurrency,
      timeouts: this.#timeouts,
      caFile: options.caFile,
      insecureSkipTlsVerify: options.insecureSkipTlsVerify,
      env: options.env ?? process.env,
    });
    this.#dispatcher = transport.dispatcher;
    this.proxy = transport.proxy ? redactProxy(transport.proxy) : undefined;
    const userAgent = options.userAgent ?? `quay-gitops (node ${process.versions.node})`;
    // The attempt pipeline, outermost first: (a session's sign-in and repair,) wait for a slot,
    // count, add headers and credentials, send.
    this.#inner = compose(
      (req) => this.#dispatch(req),
      withLimit(this.#limiter),
      withStats(this.stats),
      withReachability(this.#reachability),
      withJson(userAgent),
      this.#auth.credentials,
    );
    this.#send = this.#auth.guard ? this.#auth.guard(this.#inner) : this.#inner;
    if (this.#auth instanceof SessionAuth) {
      this.#auth.attach((method, path, body) => this.#signInRequest(method, path, body), this.url);
    }
  }

  /** Requests in flight and waiting, and the highest in-flight count seen. */
  get concurrency(): {
    readonly active: number;
    readonly pending: number;
    readonly peak: number;
    readonly max: number;
  } {
    return {
      active: this.#limiter.active,
      pending: this.#limiter.pending,
      peak: this.#limiter.peak,
      max: this.#limiter.max,
    };
  }

  /**
   * Sends one API call. `path` is exact (`/api/v1/organization/` keeps its slash, docs/quay-api.md#routing).
   * Resolves with the response for 2xx (and `accept`ed statuses); throws {@link QuayApiError} for
   * other statuses and {@link QuayConnectionError} when no answer came. With a landed() check the
   * result may instead be a {@link QuayLanded}.
   */
  request<T = unknown>(
    method: HttpMethod | Lowercase<HttpMethod>,
    path: string,
    options: CheckedRequestOptions,
  ): Promise<QuayResponse<T> | QuayLanded>;
  request<T = unknown>(
    method: HttpMethod | Lowercase<HttpMethod>,
    path: string,
    options?: RequestOptions,
  ): Promise<QuayResponse<T>>;
  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions | CheckedRequestOptions = {},
  ): Promise<QuayResponse<T> | QuayLanded> {
    const m = method.toUpperCase();
    if (!METHODS.has(m)) throw new TypeError(`unsupported HTTP method ${method}`);
    if (!path.startsWith("/")) throw new TypeError(`API path must start with "/": ${JSON.stringify(path)}`);
    if (this.#closed) throw new TypeError("QuayClient is closed");
    this.stats.recordCall();
    const { result, ctx } = await this.#exchange(m, path, options, this.#send);
    switch (result.kind) {
      case "landed":
        return {
          landed: true,
          attempts: result.attempts,
          lostResponse: result.last.ok
            ? this.#apiError(result.last.response, ctx, result.attempts, result.last.retryAfterMs)
            : this.#connectionError(result.last.error, ctx, result.attempts, true),
        };
      case "error":
        throw this.#connectionError(
          result.error,
          ctx,
          result.attempts,
          result.mayHaveLanded,
          result.landedCheckError,
          ctx.gaveUp,
        );
      case "response": {
        const res = result.response;
        if ((res.status >= 200 && res.status < 300) || options.accept?.includes(res.status)) {
          return {
            landed: false,
            status: res.status,
            data: res.data as T,
            headers: res.headers,
            attempts: result.attempts,
          };
        }
        const err = this.#apiError(res, ctx, result.attempts, result.retryAfterMs);
        if (result.landedCheckError !== undefined) {
          Object.defineProperty(err, "cause", { value: result.landedCheckError, enumerable: false });
        }
        throw err;
      }
    }
  }

  /** One call through `send` with its retries; the outcome, not yet turned into a result or error. */
  async #exchange(
    m: string,
    path: string,
    options: RequestOptions | CheckedRequestOptions,
    send: Send,
    signIn?: {
      /** Retry settings that replace the client's. */
      readonly retry: RetryOptions;
      /** The wait after a 429, from the attempt number and its Retry-After. */
      readonly throttle: (attempt: number, retryAfterMs: number | undefined) => number;
    },
  ): Promise<{ result: RetryResult<RawResponse>; ctx: ErrorSite }> {
    const fullPath = withQuery(path, options.query);
    const shownPath = stripQuery(path);
    const route = this.#routeFor(m, fullPath, options.route);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const retryOpt = options.retry;
    const landed = retryOpt ? retryOpt.landed : undefined;
    const retry: RetryOptions =
      signIn?.retry ??
      (retryOpt === false
        ? { ...this.#retry, maxAttempts: 1 }
        : retryOpt?.maxAttempts !== undefined
          ? { ...this.#retry, maxAttempts: retryOpt.maxAttempts }
          : this.#retry);
    const idempotent = options.idempotent ?? (landed ? false : isIdempotent(m));
    const signal = options.signal;
    const call: CallState = { sessionRepaired: false };

    const attempt = async (n: number): Promise<AttemptOutcome<RawResponse>> => {
      const req: AttemptRequest = {
        method: m,
        path: fullPath,
        route: route?.template ?? shownPath,
        headers: {},
        body,
        signal,
        attempt: n,
        call,
      };
      try {
        const res = await send(req);
        const header = parseRetryAfter(res.headers["retry-after"], Date.now());
        const retryAfterMs = signIn && res.status === 429 ? signIn.throttle(n, header) : header;
        return { ok: true, response: res, status: res.status, retryAfterMs };
      } catch (e) {
        if (signal?.aborted) throw signal.reason ?? e;
        // A failed sign-in (or its own connection failure, already retried) ends the call as it is.
        if (isQuayGitopsError(e)) throw e;
        return { ok: false, error: e };
      }
    };

    const result = await runWithRetry(
      attempt,
      {
        idempotent,
        landed,
        signal,
        onLandedCheck: () => this.stats.recordLandedCheck(),
        retryableResponse: (res, status) =>
          retry.statuses.includes(status) && !(status === 503 && isPermanent503(res.data)),
        outage: this.#reachability.timeoutMs > 0 ? this.#reachability : undefined,
      },
      retry,
    );
    const gaveUp = result.kind === "landed" ? undefined : this.#gaveUp(result.gaveUp);
    return { result, ctx: { method: m, path: shownPath, route, gaveUp } };
  }

  /**
   * A session's own request (CSRF token, sign-in, verify): below the guard, retried like an
   * idempotent call — a repeated sign-in creates nothing — with at least 6 attempts and the login
   * throttle's full waits for 429 (auth.ts signInThrottleWait), whatever the caller's retry
   * settings: without a session no call can go anywhere. Any final status is answered; only a
   * transport failure throws.
   */
  async #signInRequest(method: "GET" | "POST", path: string, body?: unknown): Promise<SignInAnswer> {
    const retry: RetryOptions = {
      ...this.#retry,
      maxAttempts: Math.max(6, this.#retry.maxAttempts),
      maxRetryAfterMs: Math.max(30_000, this.#retry.maxRetryAfterMs),
    };
    const { result, ctx } = await this.#exchange(method, path, { body, idempotent: true }, this.#inner, {
      retry,
      throttle: signInThrottleWait,
    });
    if (result.kind !== "response") {
      const error = result.kind === "error" ? result.error : undefined;
      throw this.#connectionError(error, ctx, result.attempts, false);
    }
    const res = result.response;
    return {
      status: res.status,
      data: res.data,
      nonJson: res.nonJson,
      headers: res.headers,
      error: () => this.#apiError(res, ctx, result.attempts, result.retryAfterMs),
    };
  }

  /** `request("GET", path, options)`. */
  get<T = unknown>(
    path: string,
    options?: Omit<RequestOptions, "body" | "idempotent">,
  ): Promise<QuayResponse<T>> {
    return this.request<T>("GET", path, options);
  }

  /** Closes the connection pool after in-flight requests finish. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#dispatcher.close();
  }

  /** Never shows the token or password (private fields, invisible to util.inspect and JSON). */
  toJSON(): {
    url: string;
    auth: "token" | "session";
    username: string | undefined;
    maxConcurrency: number;
    proxy: string | undefined;
  } {
    return {
      url: this.url,
      auth: this.auth,
      username: this.username,
      maxConcurrency: this.maxConcurrency,
      proxy: this.proxy,
    };
  }

  #routeFor(method: string, path: string, override: string | undefined): RouteSpec | undefined {
    if (override !== undefined) {
      const scope = scopeForRoute(method, override);
      return {
        method: method as HttpMethod,
        template: override,
        scopes: scope?.scopes ?? [],
        section: scope?.section ?? "scopes",
        ...(scope?.note ? { note: scope.note } : {}),
      };
    }
    return matchRoute(method, path);
  }

  async #dispatch(req: AttemptRequest): Promise<RawResponse> {
    const res = await this.#dispatcher.request({
      origin: this.#origin,
      path: `${this.#prefix}${req.path}`,
      method: req.method as HttpMethod,
      headers: req.headers,
      body: req.body,
      signal: req.signal,
      headersTimeout: this.#timeouts.headersMs,
      bodyTimeout: this.#timeouts.bodyMs,
    });
    const text = await res.body.text();
    const ct = res.headers["content-type"];
    const { data, nonJson } = parseBody(res.statusCode, Array.isArray(ct) ? ct[0] : ct, text);
    return { status: res.statusCode, headers: res.headers, data, nonJson };
  }

  #gaveUp(g: GaveUp | undefined): { unansweredForMs: number; note: string } | undefined {
    if (!g) return undefined;
    const unansweredForMs = Math.max(0, this.#reachability.now() - g.unansweredSince);
    return { unansweredForMs, note: gaveUpNote(unansweredForMs, this.#reachability.timeoutMs) };
  }

  #apiError(
    res: RawResponse,
    ctx: ErrorSite,
    attempts: number,
    retryAfterMs: number | undefined,
  ): QuayApiError {
    return toApiError(res, {
      ...ctx,
      attempts,
      retryAfterMs,
      secrets: this.#auth.secrets(),
      auth: this.auth,
    });
  }

  #connectionError(
    error: unknown,
    ctx: { method: string; path: string },
    attempts: number,
    mayHaveLanded: boolean,
    landedCheckError?: unknown,
    gaveUp?: { unansweredForMs: number; note: string },
  ): QuayConnectionError {
    const code = errorCode(error);
    const raw = error instanceof Error ? error.message : String(error);
    const detail = redactSecrets(raw, this.#auth.secrets());
    let hint: string | undefined;
    if (isTlsVerificationCode(code)) {
      hint =
        "Quay's certificate is not trusted: set caFile to the lab's CA bundle (insecureSkipTlsVerify only for a throwaway lab)";
    } else if (this.proxy) {
      hint = `connecting through the proxy ${this.proxy} (HTTPS_PROXY/HTTP_PROXY; NO_PROXY exempts hosts)`;
    }
    if (landedCheckError !== undefined) {
      const why = landedCheckError instanceof Error ? landedCheckError.message : String(landedCheckError);
      hint = `${hint ? `${hint}; ` : ""}the landed() check failed too: ${why}`;
    }
    if (gaveUp) hint = hint ? `${gaveUp.note}; ${hint}` : gaveUp.note;
    return new QuayConnectionError(
      {
        method: ctx.method,
        path: ctx.path,
        causeCode: code,
        detail,
        attempts,
        mayHaveLanded,
        hint,
        unansweredForMs: gaveUp?.unansweredForMs,
      },
      { cause: error },
    );
  }
}
