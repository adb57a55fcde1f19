import type { Handler } from "../context";
import { ok } from "../context";
import type { RouteDef } from "../router";
import { truthyBool } from "../validation";
import { apiRoute } from "./shared";

/**
 * `GET /api/v1/discovery` (docs/quay-api.md#discovery): the Swagger 2.0 document of the endpoints Quay has
 * registered, which depends on the feature flags (a disabled feature's endpoints are not
 * registered, docs/quay-api.md#features). Clients use it to learn what a registry offers: some disabled paths are not
 * recognisable from their answers alone (a `.../mirror` path falls to the greedy repository route).
 * Quay fills each operation with parameters and descriptions; the emulator lists paths and methods,
 * which is what capability checks read.
 */
export function discoveryRoute(routes: () => readonly RouteDef<Handler>[]): RouteDef<Handler> {
  return apiRoute(
    "/api/v1/discovery",
    {
      GET: (ctx) => {
        const paths: Record<string, Record<string, string | { operationId: string }>> = {};
        const internal = truthyBool(ctx.query.get("internal"), false);
        for (const r of routes()) {
          if (r.kind !== "api" || (r.enabled && !r.enabled(ctx.config))) continue;
          if (r.internal && !internal) continue;
          // Swagger names parameters without Werkzeug's converter (`{repository:repo}` → `{repository}`).
          const p = r.template.replace(/\{([a-z_]+):[a-z]+\}/gi, "{$1}");
          // Quay's swagger also carries x-name (the resource class) and x-tag (its module) per path.
          paths[p] ??= { "x-path": p };
          const ops = paths[p] as Record<string, string | { operationId: string }>;
          for (const m of Object.keys(r.methods)) {
            ops[m.toLowerCase()] = { operationId: `${m.toLowerCase()}${p.replace(/[^a-z0-9]+/gi, "_")}` };
          }
        }
        return ok({
          swagger: "2.0",
          host: ctx.baseUrl.replace(/^https?:\/\//, ""),
          basePath: "/",
          schemes: [ctx.baseUrl.startsWith("https") ? "https" : "http"],
          info: {
            title: "Quay Frontend",
            version: "v1",
            description: "Emulated Quay 3.18.0 API (quay-gitops)",
          },
          paths,
        });
      },
    },
    { anonAllowed: true },
  );
}
