import { defaultPermission as descriptor } from "../src/kinds/default-permission";
import type { Delegate } from "../src/model/types";
import {
  createPrototype,
  deletePrototype,
  listPrototypes,
  type PrototypeKey,
  type PrototypeView,
  samePrototype,
  setPrototypeRole,
} from "../src/quay/api/prototypes";
import { QuayGitopsError } from "../src/errors";
import type { Kind } from "./base";
import {
  type Failures,
  generationsOf,
  namespaceName,
  oneOf,
  type RobotGenerations,
  robotGenerations,
  robotIn,
} from "./validate";

/** A default permission (Quay: permission prototype, docs/quay-api.md#default-permissions). */
export interface DefaultPermissionInputs {
  organization: string;
  delegate: Delegate;
  /** Only for repositories this user creates; undefined = any creator. */
  activatingUser?: string;
  role: "read" | "write" | "admin";
  /**
   * Of a robot delegate (providers/validate.ts): deleting a robot deletes the default permissions
   * that delegate to it (docs/quay-api.md#robots), so one whose robot is created again is replaced.
   */
  robotGenerations?: RobotGenerations;
}

export interface DefaultPermissionState extends DefaultPermissionInputs {
  prototypeId: string;
}

/** Robots are delegates of kind "user" under their full name (docs/quay-api.md#default-permissions). */
const keyOf = (d: DefaultPermissionInputs): PrototypeKey => ({
  delegate: { kind: d.delegate.kind === "team" ? "team" : "user", name: d.delegate.name },
  activatingUser: d.activatingUser,
});

function liveOf(p: PrototypeView, d: DefaultPermissionInputs): DefaultPermissionState {
  const delegate: Delegate =
    p.delegate.kind === "team"
      ? { kind: "team", name: p.delegate.name }
      : p.delegate.is_robot
        ? { kind: "robot", name: p.delegate.name }
        : { kind: "user", name: p.delegate.name };
  return {
    organization: d.organization,
    delegate,
    ...(p.activating_user ? { activatingUser: p.activating_user.name } : {}),
    role: p.role,
    prototypeId: p.id,
    ...generationsOf(d.robotGenerations),
  };
}

const IMMUTABLE = "Quay can only change a default permission's role (docs/quay-api.md#default-permissions)";
const ROBOT_RECREATED =
  "its robot is created again, and Quay deleted the default permission with the old one (docs/quay-api.md#robots)";

export const defaultPermission: Kind<DefaultPermissionInputs, DefaultPermissionState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: ["organization", "delegate", "activatingUser", "role", "robotGenerations"],
  replaceOn: {
    organization: IMMUTABLE,
    delegate: IMMUTABLE,
    activatingUser: IMMUTABLE,
    robotGenerations: ROBOT_RECREATED,
  },
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "organization", d.organization);
    oneOf(f, "role", d.role, ["read", "write", "admin"]);
    oneOf(f, "delegate.kind", d.delegate?.kind, ["user", "robot", "team"]);
    if (d.delegate?.kind === "robot") robotIn(f, "delegate.name", d.delegate.name, d.organization);
    else namespaceName(f, "delegate.name", d.delegate?.name);
    if (d.activatingUser !== undefined) namespaceName(f, "activatingUser", d.activatingUser);
    robotGenerations(f, d.robotGenerations, d.organization);
    return f;
  },
  // Quay's prototype uuid once created; before that, a readable label for messages.
  id: (d, live) =>
    live?.prototypeId ??
    `${d.organization}/${d.delegate.kind}:${d.delegate.name}${d.activatingUser ? `@${d.activatingUser}` : ""}`,

  async create(c, d) {
    // POST never dedupes (docs/quay-api.md#default-permissions): look for the same delegate and activating user first.
    const existing = (await listPrototypes(c.session, d.organization)).find((p) =>
      samePrototype(p, keyOf(d)),
    );
    if (existing) {
      c.log.info(
        `adopted the existing default permission for ${d.delegate.kind} ${d.delegate.name} in ${d.organization}`,
      );
      if (existing.role !== d.role) await setPrototypeRole(c.session, d.organization, existing.id, d.role);
      return { ...d, prototypeId: existing.id };
    }
    const created = await createPrototype(c.session, d.organization, keyOf(d), d.role);
    if (!created)
      throw new QuayGitopsError(
        "QG_ERR_QUAY_RESPONSE",
        `default permission in ${d.organization} was created but is not listed`,
      );
    return { ...d, prototypeId: created.id };
  },

  async read(c, _id, state) {
    const p = (await listPrototypes(c.session, state.organization)).find((x) => x.id === state.prototypeId);
    return p ? liveOf(p, state) : undefined;
  },

  async update(c, _id, state, d) {
    if (state.role !== d.role) await setPrototypeRole(c.session, d.organization, state.prototypeId, d.role);
    return { ...d, prototypeId: state.prototypeId };
  },

  async delete(c, _id, state) {
    await deletePrototype(c.session, state.organization, state.prototypeId);
  },
};
