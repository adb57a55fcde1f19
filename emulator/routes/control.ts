import { isScope, mintToken } from "../auth";
import type { ResolvedConfig } from "../config";
import { EmulatorError } from "../errors";
import type { FaultSpec, Faults } from "../faults";
import { runMirrorWorker, type SyncRequest } from "../mirrorworker";
import { collectGarbage } from "../namespaces";
import type { ControlResult } from "../server";
import type { Store } from "../state";
import type { Stats } from "../stats";
import { runTeamSync, type TeamSyncRequest } from "../teamsync";
import { NotFoundError, setLastAccessed, setUsage, type UsageRequest } from "../usage";
import { parseJson } from "../validation";

/**
 * The control API under `/_emulator/` (outside Quay's `/api`): reset, state dump, statistics, fault
 * injection, token minting, the workers Quay runs in the background (mirror sync, namespace GC) and
 * what its registry side records (repository sizes, credentials last used: usage.ts).
 * Bodies are JSON; errors are `{"error": "..."}`. Documented in docs/emulator.md.
 */

export interface ControlServices {
  readonly store: Store;
  readonly config: ResolvedConfig;
  readonly stats: Stats;
  readonly faults: Faults;
  /** Restores the bootstrap state (or an empty database with `empty`). */
  reset(options: { empty: boolean }): void;
  readonly internalErrors: readonly { at: string; method: string; path: string; error: string }[];
}

const json = (status: number, body: unknown): ControlResult => ({ status, body });
const error = (status: number, message: string): ControlResult => json(status, { error: message });

function objectBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  const parsed = parseJson(raw);
  if (
    !parsed.ok ||
    parsed.value === null ||
    typeof parsed.value !== "object" ||
    Array.isArray(parsed.value)
  ) {
    throw new EmulatorError("QG_EMU_CONTROL", "the body must be a JSON object");
  }
  return parsed.value as Record<string, unknown>;
}

type Route = (s: ControlServices, body: Record<string, unknown>, query: URLSearchParams) => ControlResult;

const routes: Record<string, Partial<Record<string, Route>>> = {
  "/_emulator/reset": {
    POST: (s, body) => {
      s.reset({ empty: body.empty === true });
      if (body.faults === true) s.faults.clear();
      if (body.stats === true) s.stats.reset();
      return json(200, { reset: true, empty: body.empty === true });
    },
  },
  "/_emulator/state": {
    GET: (s) => json(200, s.store.snapshot({ redact: true })),
  },
  "/_emulator/stats": {
    GET: (s) => json(200, { ...s.stats.snapshot(), internalErrors: s.internalErrors.length }),
  },
  "/_emulator/stats/reset": {
    POST: (s) => {
      s.stats.reset();
      return json(200, s.stats.snapshot());
    },
  },
  "/_emulator/faults": {
    GET: (s) => json(200, s.faults.describe()),
    POST: (s, body) => json(200, { ...s.faults.configure(body as FaultSpec), ...s.faults.describe() }),
    DELETE: (s) => {
      s.faults.clear();
      return json(200, s.faults.describe());
    },
  },
  "/_emulator/tokens": {
    POST: (s, body) => {
      if (typeof body.user !== "string") return error(400, "user must be a string");
      if (!Array.isArray(body.scopes) || !body.scopes.every(isScope)) {
        return error(
          400,
          "scopes must be a list of Quay scopes (org:admin, repo:admin, repo:create, repo:read, repo:write, super:user, user:admin, user:read)",
        );
      }
      const ttl = body.expiresInSeconds;
      if (ttl !== undefined && (typeof ttl !== "number" || !(ttl > 0))) {
        return error(400, "expiresInSeconds must be a positive number");
      }
      const user = s.store.user(body.user);
      if (!user) return error(404, `no user named ${body.user}`);
      const token = mintToken(s.store, user, body.scopes, {
        ttlS: (ttl as number | undefined) ?? null,
        clientId: `emulator-${user.username}`,
        appName: "emulator",
      });
      return json(201, { token: token.token, user: user.username, scopes: token.scopes });
    },
  },
  "/_emulator/mirror/sync": {
    POST: (s, body) => json(200, { synced: runMirrorWorker(s.store, body as SyncRequest) }),
  },
  "/_emulator/team-sync": {
    POST: (s, body) => json(200, { synced: runTeamSync(s.store, s.config, body as TeamSyncRequest) }),
  },
  "/_emulator/usage": {
    POST: (s, body) => json(200, setUsage(s.store, body as UsageRequest)),
  },
  "/_emulator/last-accessed": {
    POST: (s, body) => json(200, setLastAccessed(s.store, body)),
  },
  "/_emulator/email/confirm": {
    // What following the link of Quay's authorization mail does (endpoints/web.py confirm_repo_email).
    POST: (s, body) => {
      const [namespace, ...rest] = typeof body.repository === "string" ? body.repository.split("/") : [];
      const repo = namespace && rest.length ? s.store.repo(namespace, rest.join("/")) : undefined;
      if (!repo) return error(404, `no repository ${String(body.repository)}`);
      for (const e of s.store.authorizedEmails.values()) {
        if (e.repoId !== repo.id || e.email !== body.email) continue;
        e.confirmed = true;
        return json(200, { email: e.email, confirmed: true });
      }
      return error(
        404,
        `no authorization was requested for ${String(body.email)} on ${String(body.repository)}`,
      );
    },
  },
  "/_emulator/gc": {
    POST: (s) => json(200, { purged: collectGarbage(s.store) }),
  },
  "/_emulator/errors": {
    GET: (s) => json(200, { errors: s.internalErrors }),
  },
  "/_emulator/config": {
    GET: (s) => json(200, s.config.raw),
  },
};

export function createControlHandler(services: ControlServices) {
  return async (
    method: string,
    path: string,
    query: URLSearchParams,
    raw: Buffer,
  ): Promise<ControlResult> => {
    const route = routes[path.replace(/\/+$/, "") || path];
    if (!route) return error(404, `no control endpoint ${path}`);
    const handler = route[method];
    if (!handler)
      return error(405, `${method} is not allowed on ${path}; use ${Object.keys(route).join(", ")}`);
    try {
      return handler(services, objectBody(raw), query);
    } catch (e) {
      if (e instanceof NotFoundError) return error(404, e.message);
      if (e instanceof EmulatorError) return error(400, e.message);
      throw e;
    }
  };
}
