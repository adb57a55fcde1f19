import type { IncomingHttpHeaders } from "node:http";
import { EmulatorError, type EmulatorErrorCode } from "./errors";
import type { Stats } from "./stats";

/**
 * What a request costs a real Quay, as simulated time: Quay's web API runs a few gunicorn workers,
 * and every request holds one while Quay checks its credentials (a bearer token is a bcrypt check,
 * `data/model/oauth.py: validate_access_token` in Quay 3.18.0; a session cookie is a cheap lookup)
 * and runs the handler. More requests than workers queue. The emulator answers in microseconds,
 * so without this a run that is fast against the emulator can be slow against Quay for reasons no
 * test ever sees.
 *
 * Timers only, no CPU burnt: a benchmark on a shared 2-core machine measures Quay's queue, not the
 * machine's load.
 */

export interface CostSpec {
  /** Requests served at once (Quay's gunicorn workers); the rest wait their turn, first come first served. */
  readonly workers: number;
  /** Held on top of `baseMs` by a request with a bearer token (the bcrypt check of the token). */
  readonly tokenAuthMs: number;
  /** Held on top of `baseMs` by a request with a session cookie (a session lookup). */
  readonly sessionAuthMs: number;
  /** Held by every request, anonymous ones included (routing, database, the handler). */
  readonly baseMs: number;
}

/**
 * A live Quay 3.18.0 on 2 cores with its 2 default workers, as measured (docs/benchmarks.md, "The
 * Quay cost profile"): a token request 4.1/s sequentially and 7.8/s at concurrency 8, so about
 * 256 ms of a worker each (2 workers / 256 ms = 7.8/s); a session request 46/s and 103/s, about
 * 19 ms (2 / 19 ms = 105/s); sign-in one bcrypt, ~255 ms. Base 15 ms + token 241 ms = 256 ms;
 * base + session 4 ms = 19 ms.
 */
export const QUAY_COST: CostSpec = Object.freeze({
  workers: 2,
  tokenAuthMs: 241,
  sessionAuthMs: 4,
  baseMs: 15,
});

export const COST_PRESETS: Readonly<Record<string, CostSpec>> = Object.freeze({ quay: QUAY_COST });

/** How a request authenticates, as far as its cost goes. */
export type AuthCost = "token" | "session" | "password" | "anonymous";

/**
 * Sign-in and its re-check verify a password: one bcrypt, like a token (Quay 3.18.0
 * `endpoints/api/user.py`: Signin, VerifyUser).
 */
const PASSWORD_ROUTES = new Set(["/api/v1/signin", "/api/v1/signin/verify"]);

/**
 * The one place that decides which credential a request pays for, from its headers alone (before
 * any session is looked up): a bearer token is charged as a token whatever else comes with it; a
 * Cookie header without one, as a session.
 */
export function authCostOf(method: string, path: string, headers: IncomingHttpHeaders): AuthCost {
  if (method === "POST" && PASSWORD_ROUTES.has(path)) return "password";
  if (/^Bearer\s+\S/i.test(headers.authorization ?? "")) return "token";
  if (headers.cookie !== undefined && headers.cookie !== "") return "session";
  return "anonymous";
}

/** Milliseconds of a worker a request of that kind holds. */
export function costMs(spec: CostSpec, kind: AuthCost): number {
  switch (kind) {
    case "token":
    case "password":
      return spec.baseMs + spec.tokenAuthMs;
    case "session":
      return spec.baseMs + spec.sessionAuthMs;
    case "anonymous":
      return spec.baseMs;
  }
}

/**
 * `"quay"` or `{workers, tokenAuthMs, sessionAuthMs, baseMs}` (milliseconds absent are 0; workers
 * is required in an object). `code` says whose input it was: the control API's or the config's.
 */
export function parseCost(value: unknown, where: string, code: EmulatorErrorCode): CostSpec {
  if (typeof value === "string") {
    const preset = COST_PRESETS[value];
    if (!preset) {
      throw new EmulatorError(
        code,
        `${where} must be one of ${Object.keys(COST_PRESETS).join(", ")} or an object, got '${value}'`,
      );
    }
    return preset;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new EmulatorError(
      code,
      `${where} must be a preset name or {workers, tokenAuthMs, sessionAuthMs, baseMs}`,
    );
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!["workers", "tokenAuthMs", "sessionAuthMs", "baseMs"].includes(key)) {
      throw new EmulatorError(code, `${where}.${key} is not a cost setting`);
    }
  }
  if (!Number.isInteger(v.workers) || (v.workers as number) < 1) {
    throw new EmulatorError(code, `${where}.workers must be a positive integer`);
  }
  const ms = (key: string): number => {
    const x = v[key];
    if (x === undefined) return 0;
    if (typeof x !== "number" || !Number.isFinite(x) || x < 0) {
      throw new EmulatorError(code, `${where}.${key} must be a non-negative number of milliseconds`);
    }
    return x;
  };
  return {
    workers: v.workers as number,
    tokenAuthMs: ms("tokenAuthMs"),
    sessionAuthMs: ms("sessionAuthMs"),
    baseMs: ms("baseMs"),
  };
}

/**
 * The workers. `occupy` resolves once the request has had its turn: it waited for a free worker
 * (first come, first served) and held it for its cost. The spec is read at every request and every
 * release, so a new fault configuration applies to requests that arrive after it, and requests
 * already waiting are let through as soon as the new limit allows.
 */
export class Workers {
  #busy = 0;
  readonly #queue: Array<() => void> = [];

  constructor(
    private readonly stats: Stats,
    private readonly spec: () => CostSpec | undefined,
  ) {}

  async occupy(kind: AuthCost): Promise<void> {
    const spec = this.spec();
    if (!spec) return;
    const ms = costMs(spec, kind);
    if (this.#busy < spec.workers) this.#busy++;
    else {
      const queuedAt = performance.now();
      this.stats.workerQueued();
      // The releaser counts this request as busy before letting it go (#grant).
      await new Promise<void>((resolve) => this.#queue.push(resolve));
      this.stats.workerDequeued(performance.now() - queuedAt);
    }
    const start = performance.now();
    this.stats.workerStarted(kind);
    try {
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      this.#busy--;
      this.stats.workerFinished(performance.now() - start);
      this.#grant();
    }
  }

  #grant(): void {
    const limit = this.spec()?.workers ?? Number.POSITIVE_INFINITY;
    while (this.#busy < limit && this.#queue.length > 0) {
      this.#busy++;
      this.#queue.shift()?.();
    }
  }
}
