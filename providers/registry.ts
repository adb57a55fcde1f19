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
import { team } from "./team";
import { user } from "./user";

/** Every Quay object kind. Adding a kind: one file in providers/ and one entry here. */
const KINDS: readonly AnyKind[] = [
  organization,
  user,
  robot,
  team,
  repository,
  defaultPermission,
  quota,
  mirror,
  proxyCache,
  autoPrune,
  notification,
  immutabilityPolicy,
];

const byName = new Map<string, AnyKind>();
for (const k of KINDS) {
  if (byName.has(k.kind)) throw new Error(`duplicate Quay object kind ${k.kind}`);
  byName.set(k.kind, k);
}

export const kindByName = (name: string): AnyKind | undefined => byName.get(name);
export const allKinds = (): readonly AnyKind[] => KINDS;
