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
} satisfies KindInfo<"DefaultPermission">;
