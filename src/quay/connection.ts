import { ConfigError } from "../errors";
import type { SessionStore } from "./auth";
import { QuayClient } from "./client";
import { type Outage, unreachableTimeoutMs } from "./outage";
import type { RetryOptions } from "./retry";
import type { RequestStats } from "./stats";
import type { ProxyEnv } from "./transport/proxy";

/**
 * The one way to connect to Quay: every part of quay-gitops that talks to Quay (the providers, the
 * program's capability check, drift attribution) resolves its connection here, from the stack
 * config and the environment, with the same precedence.
 *
 * | Setting | Stack config (`quay-gitops:`) | Environment | |
 * | --- | --- | --- | --- |
 * | URL | `url` | `QUAY_URL` | required |
 * | token | `token` (secret) | `QUAY_TOKEN` | or username and password |
 * | username | `username` | `QUAY_USERNAME` | |
 * | password | `password` (secret) | `QUAY_PASSWORD` | |
 * | CA bundle | `caFile` | `QUAY_CA_FILE` | |
 * | skip TLS verification | `insecureSkipTlsVerify` | `QUAY_INSECURE_SKIP_TLS_VERIFY` | `true`/`false` |
 * | requests in flight | `maxConcurrency` | `QUAY_MAX_CONCURRENCY` | default 8 |
 * | wait for an unreachable Quay | `unreachableTimeoutSeconds` | `QUAY_UNREACHABLE_TIMEOUT_SECONDS` | default 120, 0 = no wait (outage.ts) |
 * | proxy | — | `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` | |
 *
 * Each setting: the stack config first, then the environment (an empty value counts as unset).
 * With a username and a password the client signs in with a session, even when a token is given
 * too: Quay checks a token with bcrypt on every request and a session only once, at sign-in, so
 * the same work costs Quay a thirteenth of the CPU (docs/client.md); and a password pair is
 * only ever set on purpose, while a token is often left in the environment. A username without a
 * password (or the reverse) is an error, never silently ignored.
 *
 * Nothing here is stored in resource inputs or outputs: the engine hands the stack config to the
 * providers at every run (`configure`), so the password and token exist only in memory.
 */

/** Where the settings come from. */
export interface ConnectionSource {
  /** A stack config value by its key without the `quay-gitops:` prefix (`url`, `token`, ...). */
  config(key: string): string | undefined;
  /** The environment (the process's, or a run's). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The fix for a missing connection, for every message that reports one. */
export const CONNECTION_HELP =
  "set stack config quay-gitops:url and either quay-gitops:token (secret) or quay-gitops:username and quay-gitops:password (secret); or the environment variables QUAY_URL and QUAY_TOKEN, or QUAY_URL, QUAY_USERNAME and QUAY_PASSWORD";

const PROXY_VARS = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
] as const;

/** A resolved connection: makes clients; keeps its credentials in private fields. */
export class QuayConnection {
  readonly url: string;
  /** `session` when a username and password are set, else `token`. */
  readonly auth: "token" | "session";
  readonly username: string | undefined;
  readonly caFile: string | undefined;
  readonly insecureSkipTlsVerify: boolean;
  readonly maxConcurrency: number;
  /** How long calls wait for a Quay that does not answer (a restart) before failing. */
  readonly unreachableTimeoutMs: number;
  readonly #token: string | undefined;
  readonly #password: string | undefined;
  /** Only the proxy variables (a proxy URL may hold the proxy's password). */
  readonly #proxyEnv: ProxyEnv;

  constructor(init: {
    url: string;
    token?: string | undefined;
    username?: string | undefined;
    password?: string | undefined;
    caFile?: string | undefined;
    insecureSkipTlsVerify?: boolean | undefined;
    maxConcurrency?: number | undefined;
    unreachableTimeoutMs?: number | undefined;
    env?: Readonly<Record<string, string | undefined>> | undefined;
  }) {
    this.url = init.url;
    const session = init.username !== undefined && init.password !== undefined;
    this.auth = session ? "session" : "token";
    this.username = session ? init.username : undefined;
    this.#password = session ? init.password : undefined;
    this.#token = session ? undefined : init.token;
    this.caFile = init.caFile;
    this.insecureSkipTlsVerify = init.insecureSkipTlsVerify ?? false;
    this.maxConcurrency = init.maxConcurrency ?? 8;
    this.unreachableTimeoutMs = init.unreachableTimeoutMs ?? unreachableTimeoutMs(undefined);
    const env = init.env ?? {};
    const proxyEnv: Record<string, string> = {};
    for (const k of PROXY_VARS) {
      const v = env[k];
      if (v !== undefined) proxyEnv[k] = v;
    }
    this.#proxyEnv = proxyEnv;
  }

  /** A new client on this connection (close it when done). */
  client(
    options: {
      userAgent?: string | undefined;
      stats?: RequestStats | undefined;
      retry?: Partial<RetryOptions> | false | undefined;
      /** Told of each stretch of time Quay did not answer (for the run's summary). */
      onOutage?: ((o: Outage) => void) | undefined;
      /** The run's session hand-over (auth.ts SessionStore), for a session; a token ignores it. */
      sessionStore?: SessionStore | undefined;
    } = {},
  ): QuayClient {
    return new QuayClient({
      url: this.url,
      ...(this.auth === "session"
        ? { username: this.username, password: this.#password, sessionStore: options.sessionStore }
        : { token: this.#token }),
      caFile: this.caFile,
      insecureSkipTlsVerify: this.insecureSkipTlsVerify,
      maxConcurrency: this.maxConcurrency,
      env: this.#proxyEnv,
      userAgent: options.userAgent,
      stats: options.stats,
      retry: options.retry,
      unreachableTimeoutMs: this.unreachableTimeoutMs,
      ...(options.onOutage ? { onOutage: options.onOutage } : {}),
    });
  }

  /** The same settings and credentials (so one client can keep serving). */
  sameAs(other: QuayConnection): boolean {
    return (
      this.url === other.url &&
      this.auth === other.auth &&
      this.username === other.username &&
      this.#token === other.#token &&
      this.#password === other.#password &&
      this.caFile === other.caFile &&
      this.insecureSkipTlsVerify === other.insecureSkipTlsVerify &&
      this.maxConcurrency === other.maxConcurrency &&
      this.unreachableTimeoutMs === other.unreachableTimeoutMs &&
      JSON.stringify(this.#proxyEnv) === JSON.stringify(other.#proxyEnv)
    );
  }

  /** The credential values, for the output filter (values.ts redactText). */
  secrets(): string[] {
    return [this.#token, this.#password].filter((v): v is string => v !== undefined && v !== "");
  }

  toJSON(): Record<string, unknown> {
    return {
      url: this.url,
      auth: this.auth,
      username: this.username,
      caFile: this.caFile,
      insecureSkipTlsVerify: this.insecureSkipTlsVerify,
      maxConcurrency: this.maxConcurrency,
    };
  }
}

/**
 * The connection the settings describe, or undefined when there is none at all (no URL, or no
 * credential). Throws ConfigError for settings that are there but wrong.
 */
export function findConnection(source: ConnectionSource): QuayConnection | undefined {
  const setting = (key: string, envName: string): { value: string; where: string } | undefined => {
    const fromConfig = source.config(key);
    if (fromConfig !== undefined && fromConfig !== "")
      return { value: fromConfig, where: `quay-gitops:${key}` };
    const fromEnv = source.env[envName];
    if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, where: envName };
    return undefined;
  };
  const url = setting("url", "QUAY_URL");
  const token = setting("token", "QUAY_TOKEN");
  const username = setting("username", "QUAY_USERNAME");
  const password = setting("password", "QUAY_PASSWORD");
  if (username && !password) {
    throw new ConfigError(
      `the Quay username is set (${username.where}) but no password: set quay-gitops:password (secret) or QUAY_PASSWORD, or remove the username to use a token`,
    );
  }
  if (password && !username) {
    throw new ConfigError(
      `a Quay password is set (${password.where}) but no username: set quay-gitops:username or QUAY_USERNAME`,
    );
  }
  if (!url || (!token && !username)) return undefined;

  const insecure = setting("insecureSkipTlsVerify", "QUAY_INSECURE_SKIP_TLS_VERIFY");
  if (insecure && insecure.value !== "true" && insecure.value !== "false") {
    throw new ConfigError(`${insecure.where} must be true or false, got ${JSON.stringify(insecure.value)}`);
  }
  const concurrency = setting("maxConcurrency", "QUAY_MAX_CONCURRENCY");
  let maxConcurrency: number | undefined;
  if (concurrency) {
    maxConcurrency = Number(concurrency.value);
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new ConfigError(
        `${concurrency.where} must be a positive integer, got ${JSON.stringify(concurrency.value)}`,
      );
    }
  }
  return new QuayConnection({
    url: url.value,
    token: token?.value,
    username: username?.value,
    password: password?.value,
    caFile: setting("caFile", "QUAY_CA_FILE")?.value,
    insecureSkipTlsVerify: insecure?.value === "true",
    maxConcurrency,
    unreachableTimeoutMs: unreachableTimeoutMs(
      setting("unreachableTimeoutSeconds", "QUAY_UNREACHABLE_TIMEOUT_SECONDS")?.value,
    ),
    env: source.env,
  });
}

/** The connection the settings describe; ConfigError naming both ways to connect when there is none. */
export function resolveConnection(source: ConnectionSource): QuayConnection {
  const connection = findConnection(source);
  if (!connection) throw new ConfigError(`no Quay connection: ${CONNECTION_HELP}`);
  return connection;
}

/** A source from stack config values keyed `quay-gitops:<key>` (the engine's shape) and an environment. */
export function connectionSource(
  config: (fullKey: string) => string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ConnectionSource {
  return { config: (key) => config(`quay-gitops:${key}`), env };
}
