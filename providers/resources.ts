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

/**
 * Cheap stack traces for the Pulumi SDK's bookkeeping in the program process. The SDK formats a
 * stack trace for each resource it registers (`Resource.callsites`: an unbounded trace, for the
 * `sourcePosition` the state records) and for each of the ~50 promises it makes per resource
 * (`debuggablePromise` keeps `new Error().stack`, read only to report leaked promises at exit), and
 * the program runtime maps every frame through source maps (`source-map-support/register` in
 * `@pulumi/pulumi/cmd/run`). At lab scale that was a third of the program's CPU time
 * (docs/benchmarks.md, "The program"). Those two call sites now get V8's plain trace, or none;
 * every other error keeps its source-mapped trace. Should the SDK rename them, nothing breaks: their
 * traces are mapped again.
 */
function cheapSdkStacks(): void {
  const errors = Error as { prepareStackTrace?: ErrorConstructor["prepareStackTrace"] };
  const mapped = errors.prepareStackTrace;
  if (!mapped || (mapped as { quayGitops?: boolean }).quayGitops) return;
  const plain = (err: Error, frames: NodeJS.CallSite[]) =>
    [`${err.name}: ${err.message}`, ...frames.map((f) => `    at ${f}`)].join("\n");
  const prepare = (err: Error, frames: NodeJS.CallSite[]): unknown => {
    const site = frames[0]?.getFunctionName();
    if (site === "debuggablePromise") return "";
    if (site === "callsites") return plain(err, frames);
    return mapped(err, frames);
  };
  errors.prepareStackTrace = Object.assign(prepare, { quayGitops: true });
}
cheapSdkStacks();

/**
 * Every Quay resource class registers through this one. While the constructor registers the
 * resource, the promises the SDK makes capture no frames at all (see cheapSdkStacks).
 */
abstract class QuayResource extends pulumi.dynamic.Resource {
  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    name: string,
    props: Record<string, unknown>,
    opts: pulumi.CustomResourceOptions | undefined,
    type: string,
  ) {
    // Resource.callsites raises the limit for its own trace and puts this one back.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(provider, name, props, opts, "quay", type);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** The constructor adds `__provider` to the props it is given: always pass a fresh object (A4). */
function props<T extends object>(args: Args<T>): Record<string, unknown> {
  return { ...args };
}

export class Organization extends QuayResource {
  declare readonly name: pulumi.Output<string>;
  constructor(name: string, args: Args<OrganizationInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.Organization, name, props(args), opts, "Organization");
  }
}

export class User extends QuayResource {
  constructor(name: string, args: Args<UserInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.User, name, props(args), opts, "User");
  }
}

export class Robot extends QuayResource {
  declare readonly fullName: pulumi.Output<string>;
  declare readonly token: pulumi.Output<string>;
  constructor(name: string, args: Args<RobotInputs>, opts?: pulumi.CustomResourceOptions) {
    // The token is a new output key, so the engine would store it in plaintext unless told (A5).
    super(
      providers.Robot,
      name,
      { fullName: undefined, token: undefined, ...props(args) },
      { ...opts, additionalSecretOutputs: ["token"] },
      "Robot",
    );
  }
}

export class Team extends QuayResource {
  constructor(name: string, args: Args<TeamInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.Team, name, props(args), opts, "Team");
  }
}

export class Repository extends QuayResource {
  constructor(name: string, args: Args<RepositoryInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.Repository, name, props(args), opts, "Repository");
  }
}

export class DefaultPermission extends QuayResource {
  constructor(name: string, args: Args<DefaultPermissionInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.DefaultPermission, name, props(args), opts, "DefaultPermission");
  }
}

export class Quota extends QuayResource {
  constructor(name: string, args: Args<QuotaInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.Quota, name, props(args), opts, "Quota");
  }
}

export class RepositoryMirror extends QuayResource {
  constructor(name: string, args: Args<MirrorInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      providers.RepositoryMirror,
      name,
      props(args),
      { ...opts, additionalSecretOutputs: ["password"] },
      "RepositoryMirror",
    );
  }
}

export class ProxyCache extends QuayResource {
  constructor(name: string, args: Args<ProxyCacheInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      providers.ProxyCache,
      name,
      props(args),
      { ...opts, additionalSecretOutputs: ["password"] },
      "ProxyCache",
    );
  }
}

export class AutoPrunePolicy extends QuayResource {
  constructor(name: string, args: Args<AutoPruneInputs>, opts?: pulumi.CustomResourceOptions) {
    super(providers.AutoPrunePolicy, name, props(args), opts, "AutoPrunePolicy");
  }
}
