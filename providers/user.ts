import { user as descriptor } from "../src/kinds/user";
import { isQuayApiError } from "../src/quay/errors";
import { createUser, deleteUser, getUser, updateUserEmail, type UserView } from "../src/quay/api/users";
import { USERS_SCOPE } from "../src/quay/api/session";
import { ObjectGoneError } from "../src/errors";
import type { Context, Kind } from "./base";
import { type Failures, namespaceName } from "./validate";

/** A Quay user a tenant owns, created and deleted through the superuser API (docs/quay-api.md#users). */
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
  info: descriptor,
  kind: descriptor.name,
  fields: ["name", "email"],
  replaceOn: { name: "Quay users cannot be renamed" },
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "name", d.name);
    return f;
  },
  id: (d) => d.name,

  async create(c, d) {
    // Look first while the user list is the one read before any write of ours (one request for all
    // users): adopting then sends no write; after a user create, try the create directly.
    if (!c.session.wrote(USERS_SCOPE)) {
      const found = await getUser(c.session, d.name);
      if (found) {
        c.log.info(`adopted existing user ${d.name}`);
        return converge(c, found, d);
      }
    }
    try {
      await createUser(c.session, d.name, d.email);
      return { ...d };
    } catch (e) {
      // 400 "Username has already been taken" (docs/quay-api.md#users): adopt the user if that is what holds the name.
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
    if (!u) throw new ObjectGoneError(`user ${d.name}`, "run with --refresh to recreate it");
    return converge(c, u, d);
  },

  async delete(c, _id, state) {
    // Asynchronous in Quay: the name is free at once on 3.18.0, reserved until the garbage collection
    // in newer Quay (docs/quay-api.md#users).
    await deleteUser(c.session, state.name);
  },
};
