import type { QuayClient, QuayLanded, QuayResponse } from "../client";
import { isQuayApiError } from "../errors";
import type { HttpMethod } from "../scopes";
import type { JournalOptions, ReadRecorder } from "./journal";

/**
 * One run's view of Quay: the client plus a read cache.
 *
 * Every authenticated request costs Quay ~300 ms of CPU (docs/quay-api.md#cost), so a refresh reads each
 * list endpoint once per organization and run, and every resource of that organization is answered
 * from that response. Writes drop the cached reads of their scope (an organization with its
 * repositories, or the user list), so a read after our own write is fresh.
 *
 * The cache lives as long as the process: one engine operation for the provider process.
 */
export class QuaySession {
  readonly client: QuayClient;
  readonly #cache = new Map<string, { scope: string; value: Promise<unknown> }>();
  readonly #recorder: ReadRecorder | undefined;
  readonly #written = new Set<string>();
  #me: Promise<Me> | undefined;

  /**
   * `journal.replay`: reads an earlier engine operation of the same run recorded (journal.ts); they
   * answer like reads of this process until a write drops their scope. `journal.recorder`: where
   * this process's reads are recorded. `me`: the account, when the caller already asked Quay.
   */
  constructor(client: QuayClient, options: JournalOptions & { me?: Me | undefined } = {}) {
    this.client = client;
    this.#recorder = options.recorder;
    for (const r of options.replay ?? [])
      this.#cache.set(r.key, { scope: r.scope, value: Promise.resolve(r.value) });
    if (options.me) this.#me = Promise.resolve(options.me);
  }

  /**
   * GET through the cache. With `notFound: "undefined"`, a 404 answers `undefined` (and is cached
   * too: an absent object stays absent until a write in its scope).
   */
  get<T>(
    path: string,
    opts: {
      scope: string;
      query?: Record<string, string | number | boolean | undefined>;
      notFound?: "undefined";
    },
  ): Promise<T | undefined> {
    const key = cacheKey(path, opts.query, opts.notFound);
    const hit = this.#cache.get(key);
    if (hit) return hit.value as Promise<T | undefined>;
    const value = (async () => {
      const res = await this.client.request<T>("GET", path, {
        query: opts.query,
        accept: opts.notFound ? [404] : undefined,
      });
      const data = res.status === 404 ? undefined : res.data;
      this.#recorder?.record({ key, scope: opts.scope, value: data });
      return data;
    })();
    this.#cache.set(key, { scope: opts.scope, value });
    // A failed read is not remembered: the next caller tries again.
    value.catch(() => {
      if (this.#cache.get(key)?.value === value) this.#cache.delete(key);
    });
    return value;
  }

  /**
   * An answer the caller read itself (to see its headers, say), kept as if `get` had read it: later
   * reads of the path are answered from it, and it is recorded for the next engine operation.
   */
  remember(path: string, opts: { scope: string }, value: unknown): void {
    const key = cacheKey(path, undefined, undefined);
    this.#cache.set(key, { scope: opts.scope, value: Promise.resolve(value) });
    this.#recorder?.record({ key, scope: opts.scope, value });
  }

  /** A GET that must not come from the cache (e.g. re-reading right after a create). */
  async fresh<T>(
    path: string,
    opts: {
      scope: string;
      notFound?: "undefined";
      query?: Record<string, string | number | boolean | undefined>;
    },
  ): Promise<T | undefined> {
    this.invalidate(opts.scope);
    return this.get<T>(path, opts);
  }

  /**
   * A mutating call. `landed` makes a non-idempotent create safe to retry (the client asks it
   * before sending again). The scope's cached reads are dropped before and after the call.
   */
  async write<T = unknown>(
    method: Exclude<HttpMethod, "GET" | "HEAD">,
    path: string,
    opts: {
      scope: string;
      body?: unknown;
      landed?: () => Promise<boolean>;
      idempotent?: boolean;
      accept?: number[];
    },
  ): Promise<QuayResponse<T> | QuayLanded> {
    this.#written.add(opts.scope);
    this.invalidate(opts.scope);
    try {
      if (opts.landed) {
        return await this.client.request<T>(method, path, {
          body: opts.body,
          accept: opts.accept,
          idempotent: opts.idempotent,
          retry: { landed: opts.landed },
        });
      }
      return await this.client.request<T>(method, path, {
        body: opts.body,
        accept: opts.accept,
        idempotent: opts.idempotent,
      });
    } finally {
      this.invalidate(opts.scope);
    }
  }

  /**
   * Has this session written in the scope? Until it has, the scope holds only what was there before
   * the run, so a create may look for the object in the (cached) list first and adopt it without a
   * write (providers/base.ts); after a write of ours, the object is more likely new than not.
   */
  wrote(scope: string): boolean {
    return this.#written.has(scope);
  }

  invalidate(scope: string): void {
    for (const [key, entry] of this.#cache) if (entry.scope === scope) this.#cache.delete(key);
  }

  /** The token's or session's user (`GET /api/v1/user/`, once per run): Quay gives it implicit grants (docs/quay-api.md#emulator-gotchas). */
  me(): Promise<Me> {
    // Through the cache, so that the reads an earlier engine operation recorded answer it too.
    this.#me ??= this.get<{ username: string; super_user?: boolean }>("/api/v1/user/", { scope: ME_SCOPE })
      .then((r) => ({ username: r!.username, superUser: r!.super_user === true }))
      .catch((e: unknown) => {
        this.#me = undefined;
        throw e;
      });
    return this.#me;
  }
}

/** The read cache's key of a GET (also the journal's, journal.ts). */
function cacheKey(
  path: string,
  query: Record<string, string | number | boolean | undefined> | undefined,
  notFound: "undefined" | undefined,
): string {
  return `${path}?${JSON.stringify(query ?? {})}|${notFound ?? ""}`;
}

export interface Me {
  username: string;
  superUser: boolean;
}

export const orgScope = (org: string): string => `org:${org}`;
export const USERS_SCOPE = "users";
/** Who the credentials belong to, and what the registry offers: no write of ours changes them. */
export const ME_SCOPE = "me";
export const REGISTRY_SCOPE = "registry";

/** True when Quay answered 404 with JSON (the object is missing), not an unrouted HTML page. */
export function isNotFound(e: unknown): boolean {
  return isQuayApiError(e) && e.status === 404 && !e.unrouted;
}

/** The call's answer as data, or undefined when a lost create was found to have landed. */
export function dataOf<T>(r: QuayResponse<T> | QuayLanded): T | undefined {
  return r.landed ? undefined : r.data;
}
