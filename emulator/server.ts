import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Permissions, resolveCaller } from "./auth";
import type { ResolvedConfig } from "./config";
import type { Ctx, Handler, Reply } from "./context";
import { authCostOf, type Workers } from "./cost";
import {
  AbortError,
  type ApiErrorType,
  csrfError,
  htmlPage,
  MessageError,
  QuayError,
  WERKZEUG,
} from "./errors";
import type { Faults } from "./faults";
import { decodePath, type RouteDef, Router } from "./router";
import { csrfValid, readSession, sessionCookieHeader } from "./session";
import type { Store } from "./state";
import type { Stats } from "./stats";

/**
 * The HTTP layer: one node:http server, Werkzeug-style routing, body limits, the blueprint-wide checks
 * every API route goes through (CSRF, anonymous protection, read-only mode, docs/quay-api.md#authentication), error rendering,
 * fault injection and request statistics. Route handlers never see the socket.
 */

export interface ControlResult {
  status: number;
  body: unknown;
}

export type ControlHandler = (
  method: string,
  path: string,
  query: URLSearchParams,
  body: Buffer,
) => Promise<ControlResult>;

export interface ServerDeps {
  readonly store: Store;
  readonly config: ResolvedConfig;
  readonly routes: readonly RouteDef<Handler>[];
  readonly stats: Stats;
  readonly faults: Faults;
  /** Quay's workers, when the fault configuration sets a cost (cost.ts). */
  readonly workers: Workers;
  readonly control: ControlHandler;
  /** Unexpected exceptions (emulator bugs): rendered as Quay's HTML 500 and kept for tests. */
  readonly onInternalError: (error: unknown, method: string, path: string) => void;
}

const READ_METHODS = new Set(["GET", "HEAD"]);

function redirectPage(location: string): string {
  return `<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href="${location}">${location}</a>. If not, click the link.\n`;
}

export class EmulatorServer {
  readonly http: http.Server;
  private readonly router: Router<Handler>;

  constructor(private readonly deps: ServerDeps) {
    this.router = new Router(deps.routes, deps.config);
    this.http = http.createServer({ keepAlive: true, requestTimeout: 60_000 }, (req, res) => {
      this.handle(req, res).catch((e) => {
        deps.onInternalError(e, req.method ?? "", req.url ?? "");
        if (!res.headersSent) this.sendHtml(res, req.method ?? "GET", 500, {});
        else res.destroy();
      });
    });
    this.http.keepAliveTimeout = 5_000;
    // A client that sends garbage instead of HTTP gets a 400 and the socket is closed; never a crash.
    this.http.on("clientError", (_err, socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.http.once("error", onError);
      this.http.listen(port, host, () => {
        this.http.off("error", onError);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  /** Reads the body up to the configured limit; beyond it the rest is drained and dropped. */
  private readBody(req: http.IncomingMessage): Promise<{ body: Buffer; tooLarge: boolean }> {
    const limit = this.deps.config.bodyLimitBytes;
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          tooLarge = true;
          chunks.length = 0;
          return;
        }
        chunks.push(chunk);
      });
      req.on("end", () => resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
      req.on("error", () => resolve({ body: Buffer.alloc(0), tooLarge }));
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const search = q === -1 ? "" : rawUrl.slice(q);
    const path = decodePath(rawPath);
    const { body, tooLarge } = await this.readBody(req);

    if (path === "/_emulator" || path.startsWith("/_emulator/")) {
      const result = tooLarge
        ? { status: 413, body: { error: "request body too large" } }
        : await this.deps.control(method, path, new URLSearchParams(search), body);
      this.sendJson(res, method, result.status, result.body, {});
      return;
    }

    const match = this.router.match(method, path);
    // Stats keys and fault matchers use the route template as declared (`{repository:repo}` included).
    const template = match.kind === "unrouted" ? "(unrouted)" : match.def.template;
    const { stats, faults } = this.deps;
    stats.request(method, template);

    let lostAs: "502" | "reset" | undefined;
    if (faults.active) {
      const decision = faults.decide(method, template, path);
      lostAs = decision.after;
      if (decision.delayMs > 0) await new Promise((r) => setTimeout(r, decision.delayMs));
      const action = decision.action;
      if (action.kind === "reset") {
        stats.fault("reset");
        req.socket.destroy();
        return;
      }
      if (action.kind === "status") {
        stats.fault(`${action.status}`);
        stats.status(action.status);
        const headers: Record<string, string> = {};
        if (action.retryAfter !== undefined) headers["Retry-After"] = String(action.retryAfter);
        this.sendHtml(res, method, action.status, headers);
        return;
      }
    }
    // After the network's latency and the faults a proxy answers without Quay; before Quay's work.
    await this.deps.workers.occupy(authCostOf(method, path, req.headers));

    const host = req.headers.host ?? "localhost";
    const baseUrl = `http://${host}`;

    if (tooLarge) {
      const reply = match.kind !== "unrouted" && match.def.kind === "api";
      stats.status(413);
      if (reply) this.sendJson(res, method, 413, { message: WERKZEUG.tooLarge }, {});
      else this.sendHtml(res, method, 413, {});
      return;
    }

    switch (match.kind) {
      case "redirect": {
        const location = `${baseUrl}${rawPath}/${search}`;
        stats.status(308);
        this.send(res, method, 308, redirectPage(location), "text/html; charset=utf-8", {
          Location: location,
        });
        return;
      }
      case "options": {
        const allow = match.allowed.join(", ");
        stats.status(200);
        if (match.def.kind === "api") this.sendJson(res, method, 200, null, { Allow: allow });
        else this.send(res, method, 200, "", "text/html; charset=utf-8", { Allow: allow });
        return;
      }
      case "method-not-allowed": {
        const allow = match.allowed.join(", ");
        stats.status(405);
        if (match.def.kind === "api") {
          this.sendJson(res, method, 405, { message: WERKZEUG.methodNotAllowed }, { Allow: allow });
        } else {
          this.sendHtml(res, method, 405, { Allow: allow });
        }
        return;
      }
      case "unrouted": {
        // The web UI's catch-all (GET only): docs/quay-api.md#features.
        if (method === "GET" || method === "HEAD") {
          if (!rawPath.endsWith("/")) {
            const location = `${baseUrl}${rawPath}/${search}`;
            stats.status(308);
            this.send(res, method, 308, redirectPage(location), "text/html; charset=utf-8", {
              Location: location,
            });
          } else {
            stats.status(404);
            this.sendHtml(res, method, 404, {});
          }
        } else if (method === "OPTIONS") {
          stats.status(200);
          this.send(res, method, 200, "", "text/html; charset=utf-8", { Allow: "GET, HEAD, OPTIONS" });
        } else {
          stats.status(405);
          this.sendHtml(res, method, 405, { Allow: "GET, HEAD, OPTIONS" });
        }
        return;
      }
      case "route":
        break;
    }

    const { store, config } = this.deps;
    const now = Date.now();
    const session = readSession(req.headers.cookie, config, now);
    const caller = resolveCaller(store, req.headers.authorization, now, session.data._user_id);
    const ctx: Ctx = {
      method,
      path,
      params: match.params,
      query: new URLSearchParams(search),
      headers: req.headers,
      rawBody: body,
      store,
      config,
      caller,
      session,
      perms: new Permissions(store, config, caller),
      baseUrl,
      ip: req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "",
      userAgent: req.headers["user-agent"] ?? "",
      now,
      ...(config.feature("FEATURE_EXTENDED_ACTION_LOGGING")
        ? {
            extendedLog: {
              request_url: `${baseUrl}${rawUrl}`,
              http_method: method,
              auth_type: caller.token
                ? "oauth"
                : session.data.login_time !== undefined
                  ? "session"
                  : "anonymous",
              user_agent: req.headers["user-agent"] ?? null,
              performer_kind: caller.user ? "user" : "anonymous",
              request_id: req.headers["x-request-id"] ?? null,
              x_forwarded_for: req.headers["x-forwarded-for"] ?? null,
            },
          }
        : {}),
    };
    const errorUrl = (type: ApiErrorType) => `${baseUrl}/api/v1/error/${type}`;
    try {
      if (match.def.kind === "api") {
        // Blueprint decorators, outermost first: CSRF (a valid OAuth token exempts; a session or an
        // anonymous caller needs its session's token), then check_anon_protection, then check_readonly.
        if (
          !READ_METHODS.has(method) &&
          caller.token === null &&
          !csrfValid(session, ctx.query, req.headers, body)
        ) {
          throw csrfError();
        }
        if (caller.user === null && !config.feature("FEATURE_ANONYMOUS_ACCESS") && !match.def.anonAllowed) {
          throw new AbortError(401, "Anonymous access is not allowed");
        }
        if (method !== "GET" && method !== "HEAD" && config.readOnly && !match.def.readonlyAllowed) {
          throw new MessageError(
            503,
            "System is currently read-only. Pulls will succeed but all write operations are currently suspended.",
            { is_readonly: true },
          );
        }
      }
      const reply: Reply = await match.handler(ctx);
      const cookie = sessionCookieHeader(session, config, Date.now());
      if (lostAs !== undefined) {
        // Processed and stored; only the answer is lost on its way back (faults.ts lostResponses).
        stats.fault(`lost-${lostAs}`);
        if (lostAs === "reset") req.socket.destroy();
        else {
          stats.status(502);
          this.sendHtml(res, method, 502, {});
        }
        return;
      }
      stats.status(reply.status);
      const headers = { ...reply.headers, ...(cookie ? { "Set-Cookie": cookie, Vary: "Cookie" } : {}) };
      if (reply.status === 204) this.send(res, method, 204, "", undefined, headers);
      else this.sendJson(res, method, reply.status, reply.body === undefined ? null : reply.body, headers);
    } catch (e) {
      if (e instanceof QuayError) {
        stats.status(e.status);
        // Flask saves the session after an error response too.
        const cookie = sessionCookieHeader(session, config, Date.now());
        const headers = { ...e.headers, ...(cookie ? { "Set-Cookie": cookie, Vary: "Cookie" } : {}) };
        if (e.code === "QUAY_HTML") this.sendHtml(res, method, e.status, headers);
        else if (e.code === "QUAY_TEXT")
          this.send(res, method, e.status, String(e.body(errorUrl)), "text/html; charset=utf-8", headers);
        // util.http.abort: make_response(json.dumps({"error": ...})), so JSON text under Flask's default
        // text/html content type (quay v3.18.0 util/http.py; observed on Quay 3.18.0).
        else if (e.code === "QUAY_ABORT_ERROR") {
          // util.http.abort names the authenticated context in the message (auth/context_entity.py).
          const who = caller.user
            ? caller.token
              ? `oauthtoken for user ${caller.user.username}`
              : `user ${caller.user.username}`
            : undefined;
          const payload = who ? { error: `${e.message} (authorized: ${who})` } : e.body(errorUrl);
          this.send(res, method, e.status, pyJsonDumps(payload), "text/html; charset=utf-8", headers);
        } else this.sendJson(res, method, e.status, e.body(errorUrl), headers);
        return;
      }
      this.deps.onInternalError(e, method, path);
      stats.status(500);
      this.sendHtml(res, method, 500, {});
    }
  }

  private sendJson(
    res: http.ServerResponse,
    method: string,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    this.send(res, method, status, `${JSON.stringify(body)}\n`, "application/json", headers);
  }

  private sendHtml(
    res: http.ServerResponse,
    method: string,
    status: number,
    headers: Record<string, string>,
  ): void {
    this.send(res, method, status, htmlPage(status), "text/html; charset=utf-8", headers);
  }

  private send(
    res: http.ServerResponse,
    method: string,
    status: number,
    text: string,
    contentType: string | undefined,
    headers: Record<string, string>,
  ): void {
    if (res.headersSent || res.destroyed) return;
    const buf = Buffer.from(text, "utf8");
    const h: Record<string, string | number> = { ...headers };
    if (status !== 204 && status !== 304) {
      if (contentType) h["Content-Type"] = contentType;
      h["Content-Length"] = buf.length;
    }
    res.writeHead(status, h);
    if (method === "HEAD" || status === 204 || status === 304) res.end();
    else res.end(buf);
  }
}

/** Python's `json.dumps` with its default separators (`", "`, `": "`) and ASCII escapes. */
export function pyJsonDumps(value: unknown): string {
  const ascii = (text: string) =>
    text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (value === null || typeof value !== "object") return ascii(JSON.stringify(value) ?? "null");
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${ascii(JSON.stringify(k))}: ${pyJsonDumps(v)}`)
    .join(", ")}}`;
}
