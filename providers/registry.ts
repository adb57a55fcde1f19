import type { KindName } from "../src/kinds";
import { autoPrune } from "./auto-prune";
import type { AnyKind } from "./base";
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
import { user } from "./user";

/**
 * The provider of every kind src/kinds/index.ts registers: a registered kind without its provider
 * here fails the type check.
 */
const PROVIDERS = {
  Organization: organization,
  User: user,
  Robot: robot,
  RobotFederation: robotFederation,
  Team: team,
  Repository: repository,
  DefaultPermission: defaultPermission,
  Quota: quota,
  RepositoryMirror: mirror,
  ProxyCache: proxyCache,
  AutoPrunePolicy: autoPrune,
  RepositoryNotification: notification,
  ImmutabilityPolicy: immutabilityPolicy,
} satisfies Record<KindName, AnyKind>;

/** Each kind's inputs and outputs, for the typed resource classes (providers/resources.ts). */
export type Providers = typeof PROVIDERS;

const KINDS: readonly AnyKind[] = Object.values(PROVIDERS);
for (const [name, k] of Object.entries(PROVIDERS))
  if (k.kind !== name || k.info.name !== name)
    throw new Error(`providers/registry.ts: the provider under ${name} is of kind ${k.kind}`);

export const kindByName = (name: string): AnyKind | undefined =>
  Object.hasOwn(PROVIDERS, name) ? PROVIDERS[name as KindName] : undefined;
export const allKinds = (): readonly AnyKind[] => KINDS;
