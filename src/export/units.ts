/**
 * Quay's numbers as a person writes them in a tenant file, each of which the loader
 * (src/tenant/units.ts) reads back as exactly the same number.
 */

const DURATION_UNITS: [string, number][] = [
  ["w", 604_800],
  ["d", 86_400],
  ["h", 3_600],
  ["m", 60],
  ["s", 1],
];

/** Seconds as the largest unit that divides them: 1209600 → `2w`, 90 → `90s`, 0 → `0s`. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  for (const [unit, size] of DURATION_UNITS) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

const BINARY = ["PiB", "TiB", "GiB", "MiB", "KiB"];
const DECIMAL = ["PB", "TB", "GB", "MB", "KB"];

/**
 * Bytes as a quota size: the largest binary (`500 GiB`) or decimal (`100 GB`) unit that divides
 * them, whichever gives the shorter number (binary on a tie), else a plain number of bytes.
 */
export function formatSize(bytes: number): string | number {
  const best = (units: string[], base: number): [number, string] | undefined => {
    for (const [i, unit] of units.entries()) {
      const size = base ** (units.length - i);
      if (bytes >= size && bytes % size === 0) return [bytes / size, unit];
    }
    return undefined;
  };
  const binary = best(BINARY, 1024);
  const decimal = best(DECIMAL, 1000);
  const pick = binary && decimal ? (decimal[0] < binary[0] ? decimal : binary) : (binary ?? decimal);
  return pick ? `${pick[0]} ${pick[1]}` : bytes;
}

/**
 * An environment variable name for a secret the export cannot read: upper case, every run of other
 * characters one `_` (`acme`, `ubi9/ubi`, `MIRROR_PASSWORD` → `ACME_UBI9_UBI_MIRROR_PASSWORD`).
 */
export function envName(...parts: string[]): string {
  const name = parts
    .join("_")
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}
