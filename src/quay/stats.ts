/**
 * Request counter for benchmarks and for the "second apply makes zero writes" checks. Against a
 * real Quay every request costs ~300 ms of its CPU whatever the method (docs/quay-api.md#cost), so the
 * number of HTTP requests is the figure that matters.
 *
 * Every HTTP attempt that was dispatched counts once in `total` (retries included, so the total
 * matches what the server saw); `calls` counts `request()` calls. Requests are filed under their
 * route template (`GET /api/v1/organization/{orgname}/robots`), never under a concrete path, so
 * snapshots contain no names and no query values.
 */

export interface RequestStatsSnapshot {
  /** HTTP requests dispatched (attempts, retries included). */
  readonly total: number;
  /** GET and HEAD requests. */
  readonly reads: number;
  /** Every other method. */
  readonly writes: number;
  /** Attempts after the first, over all calls. */
  readonly retries: number;
  /** `request()` calls. */
  readonly calls: number;
  /** Attempts that ended without a response (reset, timeout, refused, TLS). */
  readonly transportErrors: number;
  /** Non-idempotent calls settled by the caller's landed() check instead of a re-send. */
  readonly landedChecks: number;
  readonly byMethod: Readonly<Record<string, number>>;
  /** Key: `METHOD template`; unknown paths are filed under `METHOD <path without query>`. */
  readonly byRoute: Readonly<Record<string, number>>;
  /** Key: status code, or `error` for a transport error. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Times of at least a second when Quay gave no answer, and that are over (outage.ts). */
  readonly outages: readonly Outage[];
}

import type { Outage } from "./outage";

const READ_METHODS = new Set(["GET", "HEAD"]);

export class RequestStats {
  #total = 0;
  #reads = 0;
  #writes = 0;
  #retries = 0;
  #calls = 0;
  #transportErrors = 0;
  #landedChecks = 0;
  #byMethod = new Map<string, number>();
  #byRoute = new Map<string, number>();
  #byStatus = new Map<string, number>();
  #outages: Outage[] = [];

  /** One `request()` call. */
  recordCall(): void {
    this.#calls++;
  }

  /** One HTTP attempt dispatched; `attempt` counts from 1. */
  recordAttempt(method: string, route: string, attempt: number): void {
    const m = method.toUpperCase();
    this.#total++;
    if (READ_METHODS.has(m)) this.#reads++;
    else this.#writes++;
    if (attempt > 1) this.#retries++;
    bump(this.#byMethod, m);
    bump(this.#byRoute, `${m} ${route}`);
  }

  /** How the attempt ended: a status, or `undefined` for a transport error. */
  recordOutcome(status: number | undefined): void {
    if (status === undefined) {
      this.#transportErrors++;
      bump(this.#byStatus, "error");
    } else {
      bump(this.#byStatus, String(status));
    }
  }

  recordLandedCheck(): void {
    this.#landedChecks++;
  }

  recordOutage(outage: Outage): void {
    this.#outages.push(outage);
  }

  snapshot(): RequestStatsSnapshot {
    return {
      total: this.#total,
      reads: this.#reads,
      writes: this.#writes,
      retries: this.#retries,
      calls: this.#calls,
      transportErrors: this.#transportErrors,
      landedChecks: this.#landedChecks,
      byMethod: Object.fromEntries(this.#byMethod),
      byRoute: Object.fromEntries([...this.#byRoute].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      byStatus: Object.fromEntries(this.#byStatus),
      outages: [...this.#outages],
    };
  }

  /** Returns the snapshot taken just before zeroing every counter. */
  reset(): RequestStatsSnapshot {
    const snap = this.snapshot();
    this.#total = 0;
    this.#reads = 0;
    this.#writes = 0;
    this.#retries = 0;
    this.#calls = 0;
    this.#transportErrors = 0;
    this.#landedChecks = 0;
    this.#byMethod = new Map();
    this.#byRoute = new Map();
    this.#byStatus = new Map();
    this.#outages = [];
    return snap;
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
