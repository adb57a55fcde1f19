import type { IncomingHttpHeaders } from "node:http";
import { type LogContext, logAction } from "./audit";
import type { Caller, Permissions } from "./auth";
import type { ResolvedConfig } from "./config";
import { MessageError } from "./errors";
import type { RequestSession } from "./session";
import type { Repository, Store } from "./state";
import { optionalJsonBody, requireJsonBody } from "./validation";

/** What a route handler sees of one request. Handlers are synchronous unless they must wait (DNS). */
export interface Ctx extends LogContext {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
  readonly config: ResolvedConfig;
  readonly perms: Permissions;
  readonly caller: Caller;
  /** The web session of the cookie (empty without one); the sign-in routes change it. */
  readonly session: RequestSession;
  /** `http://host:port` as the client addressed us; Quay builds absolute URLs from it. */
  readonly baseUrl: string;
}

export interface Reply {
  readonly status: number;
  /** JSON body; `undefined` with a 2xx other than 204 is sent as `null`. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export const ok = (body: unknown, status = 200): Reply => ({ status, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
/** 204s never carry a body, even where Quay's handler returns one (docs/quay-api.md#requests). */
export const noContent = (): Reply => ({ status: 204 });

export function param(ctx: Ctx, name: string): string {
  const v = ctx.params[name];
  if (v === undefined) throw new Error(`route parameter ${name} missing`);
  return v;
}

/** `/v1/repository/<apirepopath:repository>`: split on the first `/` (docs/quay-api.md#routing). */
export function repoParam(ctx: Ctx): { namespace: string; name: string } {
  const full = param(ctx, "repository");
  const i = full.indexOf("/");
  return { namespace: full.slice(0, i), name: full.slice(i + 1) };
}

export function body<T = Record<string, unknown>>(ctx: Ctx, schema: object): T {
  return requireJsonBody(ctx.headers["content-type"], ctx.rawBody, schema) as T;
}

export function optionalBody<T = Record<string, unknown>>(ctx: Ctx, schema: object): T | undefined {
  return optionalJsonBody(ctx.headers["content-type"], ctx.rawBody, schema) as T | undefined;
}

/** The help text of the `limit` parameter of Quay's paginated lists (superuser lists, tags). */
export const PAGE_LIMIT_HELP = "Limit to the number of results to return per page. Max 100.";

/**
 * reqparse `type=int`: a bad value is a 400 `{"message": {name: help}}`. Quay gives every query
 * parameter a help text, and Flask-RESTful 0.3.10 answers that instead of the conversion error
 * (observed on Quay 3.18.0).
 */
export function intQuery(ctx: Ctx, name: string, help: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null) return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) {
    throw new MessageError(400, "", { message: { [name]: help } });
  }
  return Number(raw);
}

export function log(
  ctx: Ctx,
  kind: string,
  namespace: string,
  metadata: Record<string, unknown>,
  repo?: Repository,
): void {
  logAction(ctx, kind, namespace, metadata, repo);
}

export type { Store };
