import * as pulumi from "@pulumi/pulumi";
import type { AutoPruneInputs } from "./auto-prune";
import type { DefaultPermissionInputs } from "./default-permission";
import { thinProvider } from "./dynamic";
import type { MirrorInputs } from "./mirror";
import type { OrganizationInputs } from "./organization";
import type { ProxyCacheInputs } from "./proxy-cache";
import type { QuotaInputs } from "./quota";
import type { RepositoryInputs } from "./repository";
import type { RobotInputs } from "./robot";
import type { TeamInputs } from "./team";
import type { UserInputs } from "./user";

/**
 * The resource classes the program registers, one per kind, all of type
 * `pulumi-nodejs:dynamic/quay:<Kind>`. One provider object per kind, made once: Pulumi serializes
 * each distinct object once and caches it (PULUMI-NOTES A7).
 */
const providers = {
  Organization: thinProvider("Organization"),
  User: thinProvider("User"),
  Robot: thinProvider("Robot"),
  Team: thinProvider("Team"),
  Repository: thinProvider("Repository"),
  DefaultPermission: thinProvider("DefaultPermission"),
  Quota: thinProvider("Quota"),
  RepositoryMirror: thinProvider("RepositoryMirror"),
  ProxyCache: thinProvider("ProxyCache"),
  AutoPrunePolicy: thinProvider("AutoPrunePolicy"),
};

type Args<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** The constructor adds `__provider` to the props it is given: always pass a fresh object (A4). */
function props<T extends object>(args: Args<T>): Record<string, unknown> {
  return { ...args };
}

export class Organization extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  constructor(name: string, args: Args<OrganizationInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.Organization, name, props(args), opts, "quay", "Organization");
  }
}

export class User extends pulumi.dynamic.Resource {
  constructor(name: string, args: Args<UserInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.User, name, props(args), opts, "quay", "User");
  }
}

export class Robot extends pulumi.dynamic.Resource {
  declare readonly fullName: pulumi.Output<string>;
  declare readonly token: pulumi.Output<string>;
  constructor(name: string, args: Args<RobotInputs>, opts?: pulumi.CustomResourceOptions) {
    // The token is a new output key, so the engine would store it in plaintext unless told (A5).
    super(
      providers.Robot,
      name,
      { fullName: undefined, token: undefined, ...props(args) },
      { ...opts, additionalSecretOutputs: ["token"] },
      "quay",
      "Robot",
    );
  }
}

export class Team extends pulumi.dynamic.Resource {
  constructor(name: string, args: Args<TeamInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.Team, name, props(args), opts, "quay", "Team");
  }
}

export class Repository extends pulumi.dynamic.Resource {
  constructor(name: string, args: Args<RepositoryInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.Repository, name, props(args), opts, "quay", "Repository");
  }
}

export class DefaultPermission extends pulumi.dynamic.Resource {
  constructor(name: string, args: Args<DefaultPermissionInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.DefaultPermission, name, props(args), opts, "quay", "DefaultPermission");
  }
}

export class Quota extends pulumi.dynamic.Resource {
  constructor(name: string, args: Args<QuotaInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.Quota, name, props(args), opts, "quay", "Quota");
  }
}

export class RepositoryMirror extends pulumi.dynamic.Resource {
  constructor(name: string, args: Args<MirrorInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      providers.RepositoryMirror,
      name,
      props(args),
      { ...opts, additionalSecretOutputs: ["password"] },
      "quay",
      "RepositoryMirror",
    );
  }
}

export class ProxyCache extends pulumi.dynamic.Resource {
  constructor(name: string, args: Args<ProxyCacheInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      providers.ProxyCache,
      name,
      props(args),
      { ...opts, additionalSecretOutputs: ["password"] },
      "quay",
      "ProxyCache",
    );
  }
}

export class AutoPrunePolicy extends pulumi.dynamic.Resource {
  constructor(name: string, args: Args<AutoPruneInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.AutoPrunePolicy, name, props(args), opts, "quay", "AutoPrunePolicy");
  }
}
