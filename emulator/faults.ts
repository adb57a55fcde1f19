import { type CostSpec, parseCost } from "./cost";
import { EmulatorError } from "./errors";

/**
 * Fault injection for resilience tests: latency with jitter, error rates by method and route,
 * 429 bursts with Retry-After, connection resets, and "fail the next N matching requests".
 * Every random decision comes from one seeded PRNG (mulberry32), so a run with the same seed and the
 * same request order injects the same faults. `cost` makes requests take as long as on a real Quay
 * (cost.ts). See docs/emulator.md for the JSON body.
 */

export interface FaultMatcher {
  /** A method or list of methods; absent = any. */
  method?: string | string[];
  /** A route template (`/api/v1/organization/{orgname}`) or a glob with `*` over template or path. */
  route?: string;
}

export type FaultStatus = 500 | 502 | 503;

export interface FaultSpec {
  seed?: number;
  latencyMs?: number;
  jitterMs?: number;
  errors?: (FaultMatcher & { rate: number; status?: FaultStatus })[];
  throttle?: FaultMatcher & { rate: number; burst?: number; retryAfterSeconds?: number };
  resetRate?: number;
  resets?: FaultMatcher & { rate: number };
  failNext?: (FaultMatcher & { count: number; status?: FaultStatus | 429 })[];
  /**
   * The request IS processed (its change is stored), then its answer is lost: replaced by a 502
   * (a proxy that gave up waiting) or a connection reset. The case that duplicates a retried create.
   */
  lostResponses?: FaultMatcher & { rate: number; as?: "502" | "reset" };
  /** Quay's workers and what a request holds one for: a preset name (`"quay"`) or the numbers. */
  cost?: CostSpec | string;
  clear?: boolean;
}

export type FaultAction =
  | { kind: "none" }
  | { kind: "reset" }
  | { kind: "status"; status: number; retryAfter?: number; reason: string };

export interface FaultDecision {
  delayMs: number;
  action: FaultAction;
  /** When `action` is none: what becomes of the answer after the request was processed. */
  after?: "502" | "reset";
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function globToRegex(glob: string): RegExp {
  const source = glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`);
}

interface CompiledMatcher {
  methods: Set<string> | undefined;
  route: RegExp | undefined;
}

function compileMatcher(m: FaultMatcher, where: string): CompiledMatcher {
  if (m.method !== undefined && typeof m.method !== "string" && !Array.isArray(m.method)) {
    throw new EmulatorError("QG_EMU_CONTROL", `${where}.method must be a string or a list of strings`);
  }
  if (m.route !== undefined && typeof m.route !== "string") {
    throw new EmulatorError("QG_EMU_CONTROL", `${where}.route must be a string`);
  }
  const methods =
    m.method === undefined
      ? undefined
      : new Set((Array.isArray(m.method) ? m.method : [m.method]).map((x) => String(x).toUpperCase()));
  return { methods, route: m.route === undefined ? undefined : globToRegex(m.route) };
}

function matches(m: CompiledMatcher, method: string, template: string, path: string): boolean {
  if (m.methods && !m.methods.has(method) && !m.methods.has("*")) return false;
  if (m.route && !m.route.test(template) && !m.route.test(path)) return false;
  return true;
}

function rate(value: unknown, where: string): number {
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw new EmulatorError("QG_EMU_CONTROL", `${where} must be a number between 0 and 1`);
  }
  return value;
}

function errorStatus(value: unknown, where: string, allow429 = false): number {
  if (value === undefined) return 503;
  if (value === 500 || value === 502 || value === 503 || (allow429 && value === 429)) return value;
  throw new EmulatorError("QG_EMU_CONTROL", `${where} must be 500, 502 or 503${allow429 ? " (or 429)" : ""}`);
}

function nonNegative(value: unknown, where: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new EmulatorError("QG_EMU_CONTROL", `${where} must be a non-negative number`);
  }
  return value;
}

export class Faults {
  private random: () => number = mulberry32(1);
  private seed = 1;
  private spec: FaultSpec = {};
  private latencyMs = 0;
  private jitterMs = 0;
  private errors: { m: CompiledMatcher; rate: number; status: number }[] = [];
  private throttle: { m: CompiledMatcher; rate: number; burst: number; retryAfter: number } | undefined;
  private throttleLeft = 0;
  private resets: { m: CompiledMatcher; rate: number } | undefined;
  private failNext: { m: CompiledMatcher; left: number; status: number }[] = [];
  private lost: { m: CompiledMatcher; rate: number; as: "502" | "reset" } | undefined;
  private costSpec: CostSpec | undefined;

  /** The cost model in force (not part of `active`: it delays, it never changes an answer). */
  get cost(): CostSpec | undefined {
    return this.costSpec;
  }

  get active(): boolean {
    return (
      this.latencyMs > 0 ||
      this.jitterMs > 0 ||
      this.errors.length > 0 ||
      this.throttle !== undefined ||
      this.resets !== undefined ||
      this.lost !== undefined ||
      this.failNext.some((f) => f.left > 0)
    );
  }

  /** Replaces the whole configuration (an empty object or `{clear: true}` clears it). */
  configure(input: unknown): { seed: number } {
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new EmulatorError("QG_EMU_CONTROL", "the fault body must be a JSON object");
    }
    const spec = input as FaultSpec;
    if (spec.clear) return this.clear();
    const seed = spec.seed ?? Math.floor(Math.random() * 2 ** 31);
    if (!Number.isInteger(seed)) throw new EmulatorError("QG_EMU_CONTROL", "seed must be an integer");
    const latencyMs = nonNegative(spec.latencyMs, "latencyMs");
    const jitterMs = nonNegative(spec.jitterMs, "jitterMs");
    if (spec.errors !== undefined && !Array.isArray(spec.errors)) {
      throw new EmulatorError("QG_EMU_CONTROL", "errors must be a list");
    }
    const errors = (spec.errors ?? []).map((e, i) => ({
      m: compileMatcher(e, `errors[${i}]`),
      rate: rate(e.rate, `errors[${i}].rate`),
      status: errorStatus(e.status, `errors[${i}].status`),
    }));
    const throttle = spec.throttle
      ? {
          m: compileMatcher(spec.throttle, "throttle"),
          rate: rate(spec.throttle.rate, "throttle.rate"),
          burst: Math.max(1, Math.floor(nonNegative(spec.throttle.burst ?? 1, "throttle.burst"))),
          retryAfter: Math.floor(
            nonNegative(spec.throttle.retryAfterSeconds ?? 1, "throttle.retryAfterSeconds"),
          ),
        }
      : undefined;
    let resets: { m: CompiledMatcher; rate: number } | undefined;
    if (spec.resets)
      resets = { m: compileMatcher(spec.resets, "resets"), rate: rate(spec.resets.rate, "resets.rate") };
    else if (spec.resetRate !== undefined)
      resets = { m: compileMatcher({}, "resets"), rate: rate(spec.resetRate, "resetRate") };
    if (spec.failNext !== undefined && !Array.isArray(spec.failNext)) {
      throw new EmulatorError("QG_EMU_CONTROL", "failNext must be a list");
    }
    const failNext = (spec.failNext ?? []).map((f, i) => {
      if (!Number.isInteger(f.count) || f.count < 1) {
        throw new EmulatorError("QG_EMU_CONTROL", `failNext[${i}].count must be a positive integer`);
      }
      return {
        m: compileMatcher(f, `failNext[${i}]`),
        left: f.count,
        status: errorStatus(f.status, `failNext[${i}].status`, true),
      };
    });
    let lost: { m: CompiledMatcher; rate: number; as: "502" | "reset" } | undefined;
    if (spec.lostResponses) {
      const as = spec.lostResponses.as ?? "502";
      if (as !== "502" && as !== "reset")
        throw new EmulatorError("QG_EMU_CONTROL", 'lostResponses.as must be "502" or "reset"');
      lost = {
        m: compileMatcher(spec.lostResponses, "lostResponses"),
        rate: rate(spec.lostResponses.rate, "lostResponses.rate"),
        as,
      };
    }
    const cost = spec.cost === undefined ? undefined : parseCost(spec.cost, "cost", "QG_EMU_CONTROL");
    this.spec = spec;
    this.seed = seed;
    this.costSpec = cost;
    this.lost = lost;
    this.random = mulberry32(seed);
    this.latencyMs = latencyMs;
    this.jitterMs = jitterMs;
    this.errors = errors;
    this.throttle = throttle;
    this.throttleLeft = 0;
    this.resets = resets;
    this.failNext = failNext;
    return { seed };
  }

  clear(): { seed: number } {
    this.spec = {};
    this.latencyMs = 0;
    this.jitterMs = 0;
    this.errors = [];
    this.throttle = undefined;
    this.throttleLeft = 0;
    this.resets = undefined;
    this.failNext = [];
    this.lost = undefined;
    this.costSpec = undefined;
    return { seed: this.seed };
  }

  /** `cost` is the spec's cost resolved to numbers (a preset's values), or null. */
  describe(): { spec: FaultSpec; seed: number; failNextRemaining: number[]; cost: CostSpec | null } {
    return {
      spec: this.spec,
      seed: this.seed,
      failNextRemaining: this.failNext.map((f) => f.left),
      cost: this.costSpec ?? null,
    };
  }

  /** Decides the fate of one request; called once per request in arrival order. */
  decide(method: string, template: string, path: string): FaultDecision {
    let delayMs = 0;
    if (this.latencyMs > 0 || this.jitterMs > 0) {
      delayMs = Math.max(0, this.latencyMs + (this.random() * 2 - 1) * this.jitterMs);
    }
    for (const f of this.failNext) {
      if (f.left > 0 && matches(f.m, method, template, path)) {
        f.left--;
        return this.statusAction(delayMs, f.status, "failNext");
      }
    }
    const t = this.throttle;
    if (t && matches(t.m, method, template, path)) {
      if (this.throttleLeft > 0) {
        this.throttleLeft--;
        return {
          delayMs,
          action: { kind: "status", status: 429, retryAfter: t.retryAfter, reason: "throttle" },
        };
      }
    }
    if (this.resets && matches(this.resets.m, method, template, path) && this.random() < this.resets.rate) {
      return { delayMs, action: { kind: "reset" } };
    }
    if (t && matches(t.m, method, template, path) && this.random() < t.rate) {
      this.throttleLeft = t.burst - 1;
      return {
        delayMs,
        action: { kind: "status", status: 429, retryAfter: t.retryAfter, reason: "throttle" },
      };
    }
    for (const e of this.errors) {
      if (matches(e.m, method, template, path) && this.random() < e.rate) {
        return this.statusAction(delayMs, e.status, "error");
      }
    }
    if (this.lost && matches(this.lost.m, method, template, path) && this.random() < this.lost.rate) {
      return { delayMs, action: { kind: "none" }, after: this.lost.as };
    }
    return { delayMs, action: { kind: "none" } };
  }

  private statusAction(delayMs: number, status: number, reason: string): FaultDecision {
    if (status === 429) {
      return {
        delayMs,
        action: { kind: "status", status, retryAfter: this.throttle?.retryAfter ?? 1, reason },
      };
    }
    return { delayMs, action: { kind: "status", status, reason } };
  }
}
