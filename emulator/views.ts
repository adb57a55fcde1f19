import { createHash } from "node:crypto";
import type { Account, Team } from "./state";

/**
 * Small view helpers shared by the route modules: avatars, dates and sizes exactly as Quay renders
 * them (avatars/avatars.py, endpoints/api/__init__.format_date, bitmath's best_prefix).
 */

const AVATAR_COLORS = [
  "#969696",
  "#aec7e8",
  "#ff7f0e",
  "#ffbb78",
  "#2ca02c",
  "#98df8a",
  "#d62728",
  "#ff9896",
  "#9467bd",
  "#c5b0d5",
  "#8c564b",
  "#c49c94",
  "#e377c2",
  "#f7b6d2",
  "#7f7f7f",
  "#c7c7c7",
  "#bcbd22",
  "#1f77b4",
  "#17becf",
  "#9edae5",
  "#393b79",
  "#5254a3",
  "#6b6ecf",
  "#9c9ede",
  "#9ecae1",
  "#31a354",
  "#b5cf6b",
  "#a1d99b",
  "#8c6d31",
  "#ad494a",
  "#e7ba52",
  "#a55194",
];

export interface Avatar {
  name: string;
  hash: string;
  color: string;
  kind: string;
}

const avatarCache = new Map<string, Avatar>();

/** BaseAvatar.get_data: sha256 of the email (or the name), colour from its first two hex digits. */
export function avatar(name: string, emailOrId: string | null, kind: string): Avatar {
  const key = `${kind}\u0000${name}\u0000${emailOrId ?? ""}`;
  const cached = avatarCache.get(key);
  if (cached) return { ...cached };
  const source = (emailOrId || name).trim().toLowerCase();
  const hash = createHash("sha256").update(source, "utf8").digest("hex");
  const color = AVATAR_COLORS[Number.parseInt(hash.slice(0, 2), 16) % AVATAR_COLORS.length] as string;
  const value = { name, hash, color, kind };
  if (avatarCache.size > 10_000) avatarCache.clear();
  avatarCache.set(key, value);
  return { ...value };
}

/** get_data_for_user: kind "robot" for robots, else "user" (orgs too: docs/quay-api.md#organizations). */
export const userAvatar = (a: Account): Avatar =>
  avatar(a.username, a.email, a.kind === "robot" ? "robot" : "user");
export const orgAvatar = (a: Account): Avatar => avatar(a.username, a.email, "org");
export const teamAvatar = (t: Team): Avatar => avatar(t.name, t.name, "team");

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** RFC 2822 as `email.utils.formatdate(ts)` writes it: `Mon, 01 Jan 2024 12:00:00 -0000`. */
export function formatDate(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} -0000`;
}

/** `datetime.isoformat() + "Z"` of a naive UTC datetime (microseconds only when non-zero, docs/quay-api.md#mirrors). */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const d = new Date(ms);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
  const micros = ((us % 1_000_000) + 1_000_000) % 1_000_000;
  return micros === 0 ? `${base}Z` : `${base}.${pad(micros, 6)}Z`;
}

/** `str(datetime)` of a naive UTC datetime, as audit metadata stores a datetime value. */
export function pyDatetimeString(us: number): string {
  return isoMicros(us).replace("T", " ").replace(/Z$/, "");
}

/** `datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")` → microseconds, or undefined when it would raise. */
export function parseMirrorDate(value: string): number | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})Z$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 61) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59));
  const check = new Date(ms);
  if (check.getUTCDate() !== d) return undefined;
  return ms * 1000;
}

/** Wall-clock time with microseconds, like Python's `datetime.utcnow()`. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

const NIST_UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/** Python's `format(x, ".1f")`: round half to even on the exact binary value. */
function fixed1(x: number): string {
  const scaled = x * 10;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  let n = diff > 0.5 ? floor + 1 : diff < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  if (!Number.isFinite(n)) n = scaled;
  return (n / 10).toFixed(1);
}

/** `bitmath.Byte(n).best_prefix().format("{value:.1f} {unit}")`, e.g. 10737418240 → "10.0 GiB". */
export function humanBytes(bytes: number): string {
  if (Math.abs(bytes) < 1024) return `${fixed1(bytes)} Byte`;
  let value = bytes;
  let unit = "Byte";
  for (const u of NIST_UNITS) {
    if (Math.abs(value) < 1024) break;
    value /= 1024;
    unit = u;
  }
  return `${fixed1(value)} ${unit}`;
}

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  K: 1e3,
  KB: 1e3,
  M: 1e6,
  MB: 1e6,
  G: 1e9,
  GB: 1e9,
  T: 1e12,
  TB: 1e12,
  P: 1e15,
  PB: 1e15,
  E: 1e18,
  EB: 1e18,
  Z: 1e21,
  ZB: 1e21,
  Y: 1e24,
  YB: 1e24,
  KI: 1024,
  KIB: 1024,
  MI: 1024 ** 2,
  MIB: 1024 ** 2,
  GI: 1024 ** 3,
  GIB: 1024 ** 3,
  TI: 1024 ** 4,
  TIB: 1024 ** 4,
  PI: 1024 ** 5,
  PIB: 1024 ** 5,
  EI: 1024 ** 6,
  EIB: 1024 ** 6,
  ZI: 1024 ** 7,
  ZIB: 1024 ** 7,
  YI: 1024 ** 8,
  YIB: 1024 ** 8,
};

/**
 * `bitmath.parse_string_unsafe(s).to_Byte().value` for the forms the quota schema's pattern admits:
 * bare numbers are bytes, single letters and `xB` are SI (powers of 1000), `xi`/`xiB` are NIST.
 */
export function parseHumanSize(text: string): number | undefined {
  const m = /^(\d+)\s?([A-Za-z]*)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? "").toUpperCase();
  if (unit === "") return n;
  const factor = SIZE_UNITS[unit];
  return factor === undefined ? undefined : Math.round(n * factor);
}
