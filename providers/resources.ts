import * as pulumi from "@pulumi/pulumi";
import type { AutoPruneInputs } from "./auto-prune";
import type { DefaultPermissionInputs } from "./default-permission";
import { providerText } from "./dynamic";
import type { ImmutabilityPolicyInputs } from "./immutability-policy";
import type { MirrorInputs } from "./mirror";
import type { NotificationInputs } from "./notification";
import type { OrganizationInputs } from "./organization";
import type { ProxyCacheInputs } from "./proxy-cache";
import type { QuotaInputs } from "./quota";
import type { RepositoryInputs } from "./repository";
import type { RobotInputs } from "./robot";
import type { TeamInputs } from "./team";
import type { UserInputs } from "./user";

/**
 * The resource classes the program registers, one per kind, all of type
 * `pulumi-nodejs:dynamic/quay:<Kind>`: dynamic resources, served by Pulumi's dynamic-provider host
 * from the `__provider` text of providers/dynamic.ts.
 */
type Args<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/**
 * Cheap stack traces for the Pulumi SDK's bookkeeping in the program process. The SDK formats a
 * stack trace for each resource it registers (`Resource.callsites`: an unbounded trace, for the
 * `sourcePosition` the state records) and for each of the ~50 promises it makes per resource
 * (`debuggablePromise` keeps `new Error().stack`, read only to report leaked promises at exit), and
 * the program runtime maps every frame through source maps (`source-map-support/register` in
 * `@pulumi/pulumi/cmd/run`). At lab scale that was a third of the program's CPU time
 * (docs/benchmarks.md, "Where the time goes"). Those two call sites now get V8's plain trace, or none;
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
abstract class QuayResource extends pulumi.CustomResource {
  /** `props` gets `__provider`: always pass a fresh object (PULUMI-NOTES A4). */
  constructor(
    kind: string,
    name: string,
    props: Record<string, unknown>,
    opts: pulumi.CustomResourceOptions | undefined,
  ) {
    // What pulumi.dynamic.Resource does, with our own provider text instead of a serialized closure.
    if ("__provider" in props) throw new Error("a dynamic resource must not define the __provider key");
    props.__provider = providerText(kind);
    // Resource.callsites raises the limit for its own trace and puts this one back.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(`pulumi-nodejs:dynamic/quay:${kind}`, name, props, opts);
    } finally {
      Error.stackTraceLimit = limit;
    }
    registered.push(this);
  }
}

/**
 * Every Quay resource this program run registered: the stack outputs that say "applied" wait for all
 * of them (src/program/index.ts), so a failed run leaves them as the last complete run set them.
 */
export const registered: pulumi.CustomResource[] = [];

/** The constructor adds `__provider` to the props it is given: always pass a fresh object (A4). */
function props<T extends object>(args: Args<T>): Record<string, unknown> {
  return { ...args };
}

export class Organization extends QuayResource {
  declare readonly name: pulumi.Output<string>;
  constructor(name: string, args: Args<OrganizationInputs>, opts?: pulumi.CustomResourceOptions) {
    super("Organization", name, props(args), opts);
  }
}

export class User extends QuayResource {
  constructor(name: string, args: Args<UserInputs>, opts?: pulumi.CustomResourceOptions) {
    super("User", name, props(args), opts);
  }
}

export class Robot extends QuayResource {
  declare readonly fullName: pulumi.Output<string>;
  declare readonly token: pulumi.Output<string>;
  constructor(name: string, args: Args<RobotInputs>, opts?: pulumi.CustomResourceOptions) {
    // The token is a new output key, so the engine would store it in plaintext unless told (A5).
    super(
      "Robot",
      name,
      { fullName: undefined, token: undefined, ...props(args) },
      { ...opts, additionalSecretOutputs: ["token"] },
    );
  }
}

export class Team extends QuayResource {
  constructor(name: string, args: Args<TeamInputs>, opts?: pulumi.CustomResourceOptions) {
    super("Team", name, props(args), opts);
  }
}

export class Repository extends QuayResource {
  constructor(name: string, args: Args<RepositoryInputs>, opts?: pulumi.CustomResourceOptions) {
    super("Repository", name, props(args), opts);
  }
}

export class DefaultPermission extends QuayResource {
  constructor(name: string, args: Args<DefaultPermissionInputs>, opts?: pulumi.CustomResourceOptions) {
    super("DefaultPermission", name, props(args), opts);
  }
}

export class Quota extends QuayResource {
  constructor(name: string, args: Args<QuotaInputs>, opts?: pulumi.CustomResourceOptions) {
    super("Quota", name, props(args), opts);
  }
}

export class RepositoryMirror extends QuayResource {
  constructor(name: string, args: Args<MirrorInputs>, opts?: pulumi.CustomResourceOptions) {
    super("RepositoryMirror", name, props(args), { ...opts, additionalSecretOutputs: ["password"] });
  }
}

export class ProxyCache extends QuayResource {
  constructor(name: string, args: Args<ProxyCacheInputs>, opts?: pulumi.CustomResourceOptions) {
    super("ProxyCache", name, props(args), { ...opts, additionalSecretOutputs: ["password"] });
  }
}

export class AutoPrunePolicy extends QuayResource {
  constructor(name: string, args: Args<AutoPruneInputs>, opts?: pulumi.CustomResourceOptions) {
    super("AutoPrunePolicy", name, props(args), opts);
  }
}

export class RepositoryNotification extends QuayResource {
  constructor(name: string, args: Args<NotificationInputs>, opts?: pulumi.CustomResourceOptions) {
    // A webhook or Slack URL with its token: encrypted in the state like a password (A5).
    super("RepositoryNotification", name, props(args), { ...opts, additionalSecretOutputs: ["url"] });
  }
}

export class ImmutabilityPolicy extends QuayResource {
  constructor(name: string, args: Args<ImmutabilityPolicyInputs>, opts?: pulumi.CustomResourceOptions) {
    super("ImmutabilityPolicy", name, props(args), opts);
  }
}
