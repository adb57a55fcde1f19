/**
 * Building Quay API paths from names. Quay's routes are exact (trailing slashes matter, docs/quay-api.md#sources
 * docs/quay-api.md#routing), so the client never adds or removes a slash: callers write the literal route and
 * interpolate names, which are encoded here.
 */

/** A path fragment that is already encoded and may contain `/` (see {@link repo}). */
export class EncodedPath {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type PathValue = string | number | EncodedPath;

/**
 * Encodes one path segment. `+` is kept literal: robot names are `org+short`, and Werkzeug does
 * not turn `+` into a space in a path (docs/quay-api.md#routing), so the readable form is also the right one.
 * Empty, `.` and `..` segments are refused: URL normalisation would silently change the route.
 */
export function encodeSegment(value: string | number): string {
  const s = String(value);
  if (s === "" || s === "." || s === "..") {
    throw new TypeError(`invalid path segment ${JSON.stringify(s)}`);
  }
  return encodeURIComponent(s).replace(/%2B/g, "+");
}

/**
 * A repository reference for `/api/v1/repository/<repository>/...`. Quay's `apirepopath`
 * converter wants `namespace/name` with literal slashes, and names may contain more `/`
 * (FEATURE_EXTENDED_REPOSITORY_NAMES, docs/quay-api.md#routing, docs/quay-api.md#names); each part is encoded on its own.
 *
 * `repo("acme", "team/app")` and `repo("acme/team/app")` are the same.
 */
export function repo(namespaceOrFullName: string, name?: string): EncodedPath {
  const full = name === undefined ? namespaceOrFullName : `${namespaceOrFullName}/${name}`;
  const parts = full.split("/");
  if (parts.length < 2) {
    throw new TypeError(`repository ${JSON.stringify(full)} must be namespace/name`);
  }
  return new EncodedPath(parts.map(encodeSegment).join("/"));
}

/**
 * Tagged template for API paths: literal text is kept as written (slashes included), every
 * interpolated value is one encoded segment, except {@link EncodedPath} values which are inserted
 * as they are.
 *
 * ```ts
 * apiPath`/api/v1/organization/${org}/robots/${short}`
 * apiPath`/api/v1/repository/${repo(ns, name)}/permissions/user/${`${org}+${bot}`}`
 * ```
 */
export function apiPath(strings: TemplateStringsArray, ...values: PathValue[]): string {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as PathValue;
    out += v instanceof EncodedPath ? v.value : encodeSegment(v);
    out += strings[i + 1] ?? "";
  }
  return out;
}

/**
 * Joins a base and segments: `pathOf("/api/v1/organization", org, "robots", short)`. A final `""`
 * segment produces a trailing slash (`pathOf("/api/v1/organization", "")` → `/api/v1/organization/`).
 */
export function pathOf(base: string, ...segments: PathValue[]): string {
  let out = base.replace(/\/+$/, "");
  segments.forEach((s, i) => {
    if (s === "" && i === segments.length - 1) {
      out += "/";
      return;
    }
    out += `/${s instanceof EncodedPath ? s.value : encodeSegment(s)}`;
  });
  return out;
}

export type QueryValue = string | number | boolean | undefined | null;

/** Appends a query string; `undefined`/`null` values are left out. */
export function withQuery(path: string, query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    params.append(k, String(v));
  }
  const qs = params.toString();
  if (qs === "") return path;
  return `${path}${path.includes("?") ? "&" : "?"}${qs}`;
}

/** The path without its query string: what errors and counters show (query values may be secret). */
export function stripQuery(path: string): string {
  const i = path.indexOf("?");
  return i === -1 ? path : path.slice(0, i);
}
