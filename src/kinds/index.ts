/**
 * Every Quay object kind quay-gitops manages, registered once: adding a kind is its descriptor file
 * here and one entry in KINDS (CONTRIBUTING.md, "Adding a Quay object kind"). Tables keyed by
 * KindName elsewhere (`satisfies Record<KindName, ...>`, providers/registry.ts) then fail the type
 * check until the kind has its entry; test/unit/kinds/completeness.test.ts checks the pieces that
 * live outside TypeScript (schema, emulator route, docs).
 */
import { autoPrune } from "./auto-prune";
import { defaultPermission } from "./default-permission";
import { immutabilityPolicy } from "./immutability-policy";
import { mirror } from "./mirror";
import { notification } from "./notification";
import { organization } from "./organization";
import { proxyCache } from "./proxy-cache";
import { quota } from "./quota";
import { repository } from "./repository";
import { robot } from "./robot";
import { robotFederation } from "./robot-federation";
import { team } from "./team";
import type { FeatureGate, KindInfo } from "./types";
import { user } from "./user";

export const KINDS = [
  organization,
  user,
  robot,
  robotFederation,
  team,
  repository,
  defaultPermission,
  quota,
  mirror,
  proxyCache,
  autoPrune,
  notification,
  immutabilityPolicy,
] as const;

/** The name of a registered kind (`Organization`, `RepositoryMirror`, ...). */
export type KindName = (typeof KINDS)[number]["name"];

/** Each descriptor by its name, with its own types (its `resourceName` parameters). */
export type KindOf<N extends KindName> = Extract<(typeof KINDS)[number], { name: N }>;

/** Every descriptor by name, each with its own types (`kinds.Team.resourceName(org, team)`). */
export const kinds = Object.fromEntries(KINDS.map((k) => [k.name, k])) as unknown as {
  readonly [N in KindName]: KindOf<N>;
};

const byName = new Map<string, KindInfo>();
for (const k of KINDS as readonly KindInfo[]) {
  if (byName.has(k.name)) throw new Error(`duplicate Quay object kind ${k.name}`);
  byName.set(k.name, k);
}

/** The descriptor of a kind; undefined for a name no kind has (an older state's type). */
export const kindInfo = (name: string): KindInfo | undefined => byName.get(name);

export const isKindName = (name: string): name is KindName => byName.has(name);

export const allKindInfos = (): readonly KindInfo[] => KINDS;

/** The key a schema path ends in: `spec.repositories[].mirror` → `mirror`, `spec.users[]` → `users`. */
export const schemaWord = (path: string): string => path.replace(/\[\]$/, "").split(".").pop() ?? path;

/** The Quay features kinds need, by flag (several kinds may share one). */
export function kindFeatures(): Map<string, FeatureGate> {
  const out = new Map<string, FeatureGate>();
  for (const k of allKindInfos()) {
    if (k.feature) out.set(k.feature.flag, k.feature);
    for (const p of k.parts ?? []) out.set(p.gate.flag, p.gate);
  }
  return out;
}

export type {
  AuditEntry,
  AuditLog,
  FeatureGate,
  Identity,
  KindInfo,
  KindWarning,
  LogSource,
  PartFeature,
} from "./types";
