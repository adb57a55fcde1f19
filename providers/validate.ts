import { isNamespaceName, isRepositoryName } from "../src/tenant/names";

/** Small checks shared by the kinds' `validate`. Each returns `[property, reason]` pairs. */
export type Failures = [string, string][];

export function namespaceName(f: Failures, property: string, value: unknown): void {
  if (typeof value !== "string" || !isNamespaceName(value)) {
    f.push([
      property,
      "must match ^[a-z0-9]+(?:[._-][a-z0-9]+)*$ with 2-255 characters (docs/quay-api.md#names)",
    ]);
  }
}

export function repositoryName(f: Failures, property: string, value: unknown): void {
  if (typeof value !== "string" || !isRepositoryName(value)) {
    f.push([property, "is not a valid Quay repository name (docs/quay-api.md#names)"]);
  }
}

export function oneOf<T extends string>(
  f: Failures,
  property: string,
  value: unknown,
  allowed: readonly T[],
): void {
  if (typeof value !== "string" || !allowed.includes(value as T))
    f.push([property, `must be one of ${allowed.join(", ")}`]);
}

export function robotIn(f: Failures, property: string, value: unknown, org: string): void {
  if (
    typeof value !== "string" ||
    !value.startsWith(`${org}+`) ||
    !isNamespaceName(value.slice(org.length + 1))
  ) {
    f.push([
      property,
      `must be a robot of organization ${org} (${org}+<name>): Quay grants robots only inside their own organization`,
    ]);
  }
}

export function positiveInt(f: Failures, property: string, value: unknown, min = 1): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min)
    f.push([property, `must be an integer >= ${min}`]);
}

/** Sorted copy by kind then name: the order Quay's maps do not have, so diffs stay stable. */
export function sortByKindName<T extends { kind: string; name: string }>(xs: readonly T[]): T[] {
  return [...xs].sort((a, b) => (a.kind === b.kind ? cmp(a.name, b.name) : cmp(a.kind, b.kind)));
}

export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The generation (providers/robot.ts) of each robot an object names, by full name: an input of the
 * Team, Repository and DefaultPermission resources, so that a robot created again (which Quay
 * creates without the old one's memberships, grants and default permissions) changes them in the
 * same apply. Absent when the object names no robot whose generation is known.
 */
export type RobotGenerations = Record<string, string>;

export function robotGenerations(f: Failures, value: unknown, org: string): void {
  if (value === undefined) return;
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    f.push(["robotGenerations", "must be an object of robot full names to generations"]);
    return;
  }
  for (const [name, g] of Object.entries(value)) {
    robotIn(f, `robotGenerations.${name}`, name, org);
    if (typeof g !== "string" || g === "") f.push([`robotGenerations.${name}`, "must be a non-empty string"]);
  }
}

/** `robotGenerations` of the state, for outputs: only when present (older states have none). */
export const generationsOf = (g: RobotGenerations | undefined): { robotGenerations?: RobotGenerations } =>
  g !== undefined ? { robotGenerations: g } : {};
