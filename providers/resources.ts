import * as pulumi from "@pulumi/pulumi";
import { type KindName, kindInfo } from "../src/kinds";
import { providerText } from "./dynamic";
import type { Providers } from "./registry";

/**
 * The resources the program registers, one class for every kind, of type
 * `pulumi-nodejs:dynamic/quay:<Kind>`: dynamic resources, served by Pulumi's dynamic-provider host
 * from the `__provider` text of providers/dynamic.ts. A kind's inputs and outputs are its provider's
 * (providers/registry.ts); its computed and secret outputs are declared by its descriptor.
 */
type Args<T> = { [K in keyof T]: pulumi.Input<T[K]> };
/** The inputs of a kind: what its provider's `validate` takes. */
export type InputsOf<K extends KindName> = Parameters<Providers[K]["validate"]>[0];
/** The outputs of a kind: what its provider's `create` answers. */
export type OutputsOf<K extends KindName> = Awaited<ReturnType<Providers[K]["create"]>>;

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
 * A Quay object of kind K. While the constructor registers the resource, the promises the SDK makes
 * capture no frames at all (see cheapSdkStacks).
 */
export class QuayResource<K extends KindName> extends pulumi.CustomResource {
  constructor(kind: K, name: string, args: Args<InputsOf<K>>, opts?: pulumi.CustomResourceOptions) {
    const info = kindInfo(kind);
    if (!info) throw new Error(`unknown Quay object kind ${kind}`);
    // Computed outputs are declared up front (undefined), so the engine knows their keys; `props`
    // gets `__provider`: always a fresh object (docs/pulumi-engine.md#inputs-and-outputs).
    const props: Record<string, unknown> = {
      ...Object.fromEntries((info.outputs ?? []).map((o) => [o, undefined])),
      ...args,
    };
    // What pulumi.dynamic.Resource does, with our own provider text instead of a serialized closure.
    if ("__provider" in props) throw new Error("a dynamic resource must not define the __provider key");
    props.__provider = providerText(kind);
    // A new output key would be stored in plaintext unless the engine is told (docs/pulumi-engine.md#secrets).
    const options = info.secretOutputs ? { ...opts, additionalSecretOutputs: [...info.secretOutputs] } : opts;
    // Resource.callsites raises the limit for its own trace and puts this one back.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(`pulumi-nodejs:dynamic/quay:${kind}`, name, props, options);
    } finally {
      Error.stackTraceLimit = limit;
    }
    registered.push(this);
  }

  /** One of its outputs (the SDK sets a property per output key). */
  output<F extends keyof OutputsOf<K> & string>(field: F): pulumi.Output<OutputsOf<K>[F]> {
    return (this as unknown as Record<F, pulumi.Output<OutputsOf<K>[F]>>)[field];
  }
}

/**
 * Every Quay resource this program run registered: the stack outputs that say "applied" wait for all
 * of them (src/program/index.ts), so a failed run leaves them as the last complete run set them.
 */
export const registered: pulumi.CustomResource[] = [];
