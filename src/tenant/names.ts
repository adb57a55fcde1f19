/**
 * Quay's name rules (docs/quay-api.md#names) and the glob patterns of the registry's restrictions. The JSON
 * Schemas carry the same regular expressions so editors flag bad names while typing; these copies
 * serve the checks that schemas cannot express (robot and team references, restrictions).
 */

/** Users, organizations, robot short names and teams: lowercase, separators `.` `_` `-` inside only. */
export const NAMESPACE_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** With FEATURE_EXTENDED_REPOSITORY_NAMES (Quay's default), `/` separates path components. */
export const REPOSITORY_RE = /^[a-z0-9][.a-z0-9_-]*(?:\/[a-z0-9][.a-z0-9_-]*)*$/;

export function isNamespaceName(s: string): boolean {
  return s.length >= 2 && s.length <= 255 && NAMESPACE_RE.test(s);
}

export function isRepositoryName(s: string): boolean {
  return s.length >= 1 && s.length <= 255 && REPOSITORY_RE.test(s);
}

/** `org+short` → its parts; a plain short name has no org. Quay splits on the first `+` (docs/quay-api.md#robots). */
export function splitRobot(ref: string): { org?: string; short: string } {
  const i = ref.indexOf("+");
  return i < 0 ? { short: ref } : { org: ref.slice(0, i), short: ref.slice(i + 1) };
}

/** `org/team` (our notation for a team of another organization) → its parts. */
export function splitTeam(ref: string): { org?: string; name: string } {
  const i = ref.indexOf("/");
  return i < 0 ? { name: ref } : { org: ref.slice(0, i), name: ref.slice(i + 1) };
}

/**
 * A restriction pattern: `*` matches any run of characters, `?` one character, `{tenant}` the tenant
 * name; everything else literally.
 */
export function compileGlob(pattern: string, tenant: string): RegExp {
  const expanded = pattern.replaceAll("{tenant}", tenant);
  const re = expanded
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`);
}

/**
 * How specific a pattern is: the length of its literal prefix (an exact name beats every glob).
 * When two tenants' patterns both allow a name, the more specific one owns it, so tenant `acme`
 * (`acme-*`) cannot take the organization `acme-labs` from tenant `acme-labs`.
 */
export function patternSpecificity(pattern: string, tenant: string): number {
  const expanded = pattern.replaceAll("{tenant}", tenant);
  const wild = expanded.search(/[*?]/);
  return wild < 0 ? Number.MAX_SAFE_INTEGER : wild;
}
