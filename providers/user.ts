import { isQuayApiError } from "../src/quay/errors";
import { createUser, deleteUser, getUser, updateUserEmail, type UserView } from "../src/quay/api/users";
import { USERS_SCOPE } from "../src/quay/api/session";
import { QuayGitopsError } from "../src/errors";
import type { Context, Kind } from "./base";
import { type Failures, namespaceName } from "./validate";

/** A Quay user a tenant owns, created and deleted through the superuser API (QUAY-API §5). */
export interface UserInputs {
  name: string;
  /** Undefined leaves Quay's value alone. */
  email?: string;
}

export type UserState = UserInputs;

const liveOf = (u: UserView, want: UserInputs): UserState => ({
  name: u.username,
  ...(want.email !== undefined ? { email: u.email } : {}),
});

async function converge(c: Context, u: UserView, d: UserInputs): Promise<UserState> {
  if (d.email !== undefined && u.email !== d.email) {
    await updateUserEmail(c.session, d.name, d.email);
    return { ...d };
  }
  return liveOf(u, d);
}

export const user: Kind<UserInputs, UserState> = {
  kind: "User",
  fields: ["name", "email"],
  replaceOn: { name: "Quay users cannot be renamed" },
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "name", d.name);
    return f;
  },
  id: (d) => d.name,

  async create(c, d) {
    try {
      await createUser(c.session, d.name, d.email);
      return { ...d };
    } catch (e) {
      // 400 "Username has already been taken" (§5.4): adopt the user if that is what holds the name.
      if (!(isQuayApiError(e) && e.status === 400)) throw e;
      c.session.invalidate(USERS_SCOPE);
      const existing = await getUser(c.session, d.name);
      if (!existing) throw e;
      c.log.info(`adopted existing user ${d.name}`);
      return converge(c, existing, d);
    }
  },

  async read(c, _id, state) {
    const u = await getUser(c.session, state.name);
    return u ? liveOf(u, state) : undefined;
  },

  async update(c, _id, _state, d) {
    const u = await getUser(c.session, d.name);
    if (!u)
      throw new QuayGitopsError(
        "QG_ERR_QUAY_RESPONSE",
        `user ${d.name} no longer exists; run with --refresh to recreate it`,
      );
    return converge(c, u, d);
  },

  async delete(c, _id, state) {
    // Asynchronous in Quay: the name is free at once on 3.18.0, reserved until the garbage collection
    // in newer Quay (docs/quay-api.md#users).
    await deleteUser(c.session, state.name);
  },
};
