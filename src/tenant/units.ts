/**
 * Sizes, durations, percentages and dates as tenant files write them, parsed the way Quay parses
 * them, so a value that validates here is one Quay accepts.
 */

/**
 * Quay's quota `limit` string (docs/quay-api.md#quotas): an integer, at most one space, an optional unit.
 * Quay parses it with bitmath's parse_string_unsafe: units with an `i` are binary (KiB = 1024),
 * the others decimal (KB = K = 1000), no unit means bytes. Unit letters are case-sensitive.
 */
export const SIZE_PATTERN =
  /^(\d+)\s?(B|KiB|MiB|GiB|TiB|PiB|EiB|ZiB|YiB|Ki|Mi|Gi|Ti|Pi|Ei|Zi|Yi|KB|MB|GB|TB|PB|EB|ZB|YB|K|M|G|T|P|E|Z|Y)?$/;
const PREFIXES = "KMGTPEZY";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Bytes of a size (`500 GiB`, `1 TB`, `1073741824` or a YAML integer). */
export function parseSize(input: unknown): Parsed<number> {
  if (typeof input === "number") {
    if (!Number.isSafeInteger(input) || input <= 0)
      return { ok: false, reason: "must be a whole number of bytes > 0" };
    return { ok: true, value: input };
  }
  if (typeof input !== "string") return { ok: false, reason: "must be a size such as 500 GiB" };
  const m = SIZE_PATTERN.exec(input);
  if (!m) {
    return {
      ok: false,
      reason: `"${input}" is not a size Quay accepts; write a whole number and a unit such as 500 GiB, 2 TiB or 100 GB (at most one space; units are case-sensitive)`,
    };
  }
  const unit = m[2] ?? "B";
  let factor = 1n;
  if (unit !== "B") {
    const power = BigInt(PREFIXES.indexOf(unit[0]!) + 1);
    factor = unit.includes("i") ? 1024n ** power : 1000n ** power;
  }
  const bytes = BigInt(m[1]!) * factor;
  if (bytes <= 0n) return { ok: false, reason: "a quota must be larger than 0 bytes (Quay refuses 0)" };
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { ok: false, reason: `"${input}" is larger than the largest supported quota (8 PiB)` };
  }
  return { ok: true, value: Number(bytes) };
}

/** Quota thresholds: `80%` or `80`; Quay accepts 1..100 (docs/quay-api.md#quotas). */
export function parsePercent(input: unknown): Parsed<number> {
  let n: number;
  if (typeof input === "number") n = input;
  else if (typeof input === "string" && /^\d{1,3}\s?%$/.test(input)) n = Number.parseInt(input, 10);
  else return { ok: false, reason: "must be a percentage such as 80%" };
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    return {
      ok: false,
      reason: `${String(input)} is out of range; Quay accepts whole percentages from 1% to 100%`,
    };
  }
  return { ok: true, value: n };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/**
 * Seconds of a duration: `<n><s|m|h|d|w>` as Quay's convert_to_timedelta reads TAG_EXPIRATION_OPTIONS,
 * or a YAML integer meaning seconds.
 */
export function parseDuration(input: unknown): Parsed<number> {
  if (typeof input === "number") {
    if (!Number.isSafeInteger(input) || input < 0)
      return { ok: false, reason: "must be a whole number of seconds ≥ 0" };
    return { ok: true, value: input };
  }
  if (typeof input !== "string") return { ok: false, reason: "must be a duration such as 24h" };
  const m = /^(\d+)([smhdw])$/.exec(input);
  if (!m) {
    return {
      ok: false,
      reason: `"${input}" is not a duration; write a whole number and one unit: s, m, h, d or w (e.g. 30m, 24h, 2w)`,
    };
  }
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  if (!Number.isSafeInteger(seconds)) return { ok: false, reason: `"${input}" is too long` };
  return { ok: true, value: seconds };
}

/** Auto-prune `olderThan`: Quay's creation_date value `<int><s|m|h|d|w|y>` (docs/quay-api.md#auto-prune), kept as text. */
export function parsePruneAge(input: unknown): Parsed<string> {
  if (typeof input !== "string" || !/^\d+[smhdwy]$/.test(input)) {
    return {
      ok: false,
      reason: "must be an age such as 90d: a whole number and one unit s, m, h, d, w or y",
    };
  }
  if (/^0+[smhdwy]$/.test(input)) return { ok: false, reason: "must be longer than 0" };
  // Quay stores the string as written; leading zeros would make a policy that never equals its read-back.
  return { ok: true, value: input.replace(/^0+(?=\d)/, "") };
}

/**
 * The instant after which an `expires` entry no longer applies. A date (`2027-01-31`) means "through
 * that day, UTC", so the entry ends at the next midnight UTC; a date-time ends at that instant.
 */
export function parseExpiry(input: unknown): Parsed<Date> {
  if (typeof input !== "string") return { ok: false, reason: "must be a date such as 2027-01-31" };
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input);
  if (day) {
    const [y, mo, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const t = Date.UTC(y, mo - 1, d);
    const check = new Date(t);
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
      return { ok: false, reason: `${input} is not a calendar date` };
    }
    return { ok: true, value: new Date(t + 86_400_000) };
  }
  const dt = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(
    input,
  );
  if (dt) {
    const t = Date.parse(input);
    if (
      Number.isNaN(t) ||
      Number(dt[2]) > 12 ||
      Number(dt[3]) > 31 ||
      Number(dt[4]) > 23 ||
      Number(dt[5]) > 59
    ) {
      return { ok: false, reason: `${input} is not a valid date-time` };
    }
    return { ok: true, value: new Date(t) };
  }
  return {
    ok: false,
    reason: `"${input}" is not a date; write YYYY-MM-DD (through that day, UTC) or an RFC 3339 date-time with a zone`,
  };
}

/** Formats bytes for messages in binary units: "500 GiB", "93.13 GiB" (for 100 GB). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (i < units.length - 1 && bytes >= 1024 ** (i + 1)) i++;
  const v = bytes / 1024 ** i;
  return `${Number.isInteger(v) ? v : v.toFixed(2)} ${units[i]}`;
}
