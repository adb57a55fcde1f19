import type { DefaultPermissionModel } from "../model/types";
import { md } from "./support";
import type { KindInfo } from "./types";

const resourceName = (org: string, d: DefaultPermissionModel) =>
  `${org}/default/${d.delegate.kind}:${d.delegate.name}${d.activatingUser ? `@${d.activatingUser}` : ""}`;

/** A default permission: Quay's permission prototype (docs/quay-api.md#default-permissions). */
export const defaultPermission = {
  name: "DefaultPermission",
  words: { one: "default permission", many: "default permissions" },
  schema: ["spec.defaultPermissions[]"],
  emulator: "prototypes",
  rights: () => [{ right: "orgAdmin", what: "default permissions" }],
  resourceName,
  objects: (t) => t.defaultPermissions.map((d) => resourceName(t.organization.name, d)),
  audit(log, id, org) {
    const delegate = id.delegate as { kind?: string; name?: string } | null | undefined;
    if (!org || !delegate?.name) return;
    const key = delegate.kind === "team" ? "delegate_team" : "delegate_user";
    log.object(
      { org },
      ["create_prototype_permission", "modify_prototype_permission", "delete_prototype_permission"],
      (e) => md(e, key) === delegate.name,
    );
    if (delegate.kind) log.removedWith({ kind: delegate.kind, name: delegate.name });
  },
  // Replaced when its delegate or activating user changes, or when its robot is created again (Quay
  // deleted it with the old robot, providers/default-permission.ts).
  replaceLosesNothing:
    "a default permission is a rule for repositories created later: the new one grants the same, only its id differs",
} satisfies KindInfo<"DefaultPermission">;
