import { list, md, namespaceOf, plural, str } from "./support";
import type { KindInfo } from "./types";

const resourceName = (name: string) => name;

/** A Quay user a tenant owns, managed through the superuser API (docs/quay-api.md#users). */
export const user = {
  name: "User",
  words: { one: "user", many: "users" },
  schema: ["spec.users[]"],
  emulator: "users",
  // Users are created through the superuser API; external users (LDAP/OIDC) are only referenced.
  rights: (_t, s) => (s.registry.users === "managed" ? [{ right: "superuser", what: "users" }] : []),
  resourceName,
  objects: (t) => t.users.map((u) => resourceName(u.name)),
  audit(log, id) {
    const name = str(id.name);
    if (!name) return;
    // Users are logged in their own namespace: the superuser log has them all.
    log.object(
      { superuser: true },
      ["user_change_email", "user_delete", "user_disable", "user_enable", "user_change_password"],
      (e) => namespaceOf(e) === name || md(e, "username") === name,
    );
  },
  warnings: {
    delete: () => ({
      code: "USER_DELETE",
      grouped: true,
      message: (n) =>
        `${plural(n, "user", "users")} ${list(n)} will be deleted from Quay, with everything in their ${plural(n, "namespace", "namespaces")}`,
    }),
  },
} satisfies KindInfo<"User">;
