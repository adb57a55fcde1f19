import type { ResolvedConfig } from "./config";

/**
 * Route templates and Werkzeug's matching rules as Quay runs them (docs/quay-api.md#routing, docs/quay-api.md#features):
 *  - `{name}` matches one path segment; `{name:repo}` is Quay's `apirepopath` converter: at least two
 *    segments (`namespace/name`, nested names allowed), so `/repository/ns/a/b` is repository `ns/a/b`;
 *  - strict slashes: a template declared with a trailing slash, requested without it, redirects (308)
 *    when the method is allowed there; one declared without it never matches the slash form;
 *  - among the routes matching path and method, the most specific wins; a disabled feature's routes
 *    are not registered at all, so its URLs fall to whatever else matches (often the web catch-all,
 *    sometimes the greedy repository route: `GET /repository/ns/r/mirror` with mirroring off is a
 *    lookup of repository `ns/r/mirror`);
 *  - wrong method on a registered path: 405; nothing registered: the web UI's catch-all (docs/quay-api.md#features).
 */

export type RouteKind = "api" | "web";

export interface RouteDef<H> {
  /** e.g. `/api/v1/organization/{orgname}`; the stats key uses this text. */
  readonly template: string;
  readonly kind: RouteKind;
  /** `@show_if` flags: the route exists only when this returns true. */
  readonly enabled?: (config: ResolvedConfig) => boolean;
  readonly methods: Readonly<Partial<Record<string, H>>>;
  /** `@anon_allowed`: still served to anonymous callers when FEATURE_ANONYMOUS_ACCESS is off. */
  readonly anonAllowed?: boolean;
  /** `@readonly_call_allowed`: a write still served when REGISTRY_STATE is readonly. */
  readonly readonlyAllowed?: boolean;
  /** `@internal_only`: left out of the discovery document unless `?internal=true`. */
  readonly internal?: boolean;
}

interface Compiled<H> {
  readonly def: RouteDef<H>;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly trailingSlash: boolean;
  /** Static characters in the template: ranks candidates like Werkzeug's rule weights do here. */
  readonly weight: number;
  /** The literal text before the first parameter: a cheap filter before the regex. */
  readonly prefix: string;
}

export type MatchResult<H> =
  | {
      readonly kind: "route";
      readonly def: RouteDef<H>;
      readonly handler: H;
      readonly params: Record<string, string>;
    }
  | { readonly kind: "redirect"; readonly def: RouteDef<H>; readonly location: string }
  | { readonly kind: "method-not-allowed"; readonly def: RouteDef<H>; readonly allowed: readonly string[] }
  | { readonly kind: "options"; readonly def: RouteDef<H>; readonly allowed: readonly string[] }
  | { readonly kind: "unrouted" };

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function compile<H>(def: RouteDef<H>): Compiled<H> {
  const names: string[] = [];
  let weight = 0;
  let source = "";
  const rest = def.template;
  const param = /\{([a-z_]+)(?::repo)?\}/gi;
  let last = 0;
  for (let m = param.exec(rest); m !== null; m = param.exec(rest)) {
    const literal = rest.slice(last, m.index);
    source += escapeRegex(literal);
    weight += literal.length;
    names.push(m[1] as string);
    source += m[0].endsWith(":repo}") ? "([^/]+(?:/[^/]+)+)" : "([^/]+)";
    last = m.index + m[0].length;
  }
  const tail = rest.slice(last);
  source += escapeRegex(tail);
  weight += tail.length;
  const brace = def.template.indexOf("{");
  const prefix = brace === -1 ? def.template : def.template.slice(0, brace);
  return {
    def,
    regex: new RegExp(`^${source}$`),
    names,
    trailingSlash: def.template.endsWith("/"),
    weight,
    prefix,
  };
}

export class Router<H> {
  private readonly compiled: Compiled<H>[];

  constructor(defs: readonly RouteDef<H>[], config: ResolvedConfig) {
    this.compiled = defs.filter((d) => !d.enabled || d.enabled(config)).map((d) => compile(d));
  }

  get templates(): string[] {
    return this.compiled.map((c) => c.def.template);
  }

  match(method: string, path: string): MatchResult<H> {
    const effective = method === "HEAD" ? "GET" : method;
    let best: { c: Compiled<H>; params: Record<string, string> } | undefined;
    let pathMatch: Compiled<H> | undefined;
    let redirect: Compiled<H> | undefined;
    for (const c of this.compiled) {
      // `path + "/"` may match a slash-declared template whose prefix is the whole path plus "/".
      if (!path.startsWith(c.prefix) && !`${path}/`.startsWith(c.prefix)) continue;
      const m = c.regex.exec(path);
      if (m) {
        if (!pathMatch || c.weight > pathMatch.weight) pathMatch = c;
        if (effective === "OPTIONS" || c.def.methods[effective]) {
          if (!best || c.weight > best.c.weight) {
            const params: Record<string, string> = {};
            c.names.forEach((n, i) => {
              params[n] = m[i + 1] as string;
            });
            best = { c, params };
          }
        }
        continue;
      }
      if (c.trailingSlash && !path.endsWith("/") && c.def.methods[effective] && c.regex.test(`${path}/`)) {
        if (!redirect || c.weight > redirect.weight) redirect = c;
      }
    }
    if (redirect && (!best || redirect.weight > best.c.weight)) {
      return { kind: "redirect", def: redirect.def, location: `${path}/` };
    }
    if (best) {
      if (effective === "OPTIONS") {
        return { kind: "options", def: best.c.def, allowed: allowedMethods(best.c.def) };
      }
      const handler = best.c.def.methods[effective] as H;
      return { kind: "route", def: best.c.def, handler, params: best.params };
    }
    // The web catch-all (GET only) wins over a 405 for GET; other methods get the API route's 405.
    if (pathMatch && effective !== "GET") {
      return { kind: "method-not-allowed", def: pathMatch.def, allowed: allowedMethods(pathMatch.def) };
    }
    return { kind: "unrouted" };
  }
}

function allowedMethods<H>(def: RouteDef<H>): string[] {
  const methods = new Set(Object.keys(def.methods));
  if (methods.has("GET")) methods.add("HEAD");
  methods.add("OPTIONS");
  return [...methods].sort();
}

/** Decodes the path as Werkzeug does (`%2B` → `+`; a literal `+` stays `+`); malformed escapes stay raw. */
export function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}
