/**
 * The `__provider` value of our resources: what Pulumi's dynamic-provider host (the Node process
 * the engine runs for every `pulumi-nodejs:dynamic/...` resource) loads, with `require`, to get the
 * provider object, and caches per distinct text for the whole process. Ours only finds the
 * project's compiled `dist/providers/host.js` (upwards from the provider process's working
 * directory, which the engine sets to the project folder, or from QUAY_GITOPS_ROOT) and asks it for
 * the kind's provider (host.ts `provider`). So:
 * - refresh and delete run the current checkout's code, not a copy frozen at the last update
 *   (docs/pulumi-engine.md#provider-text, pulumi#16826);
 * - upgrading our code does not change `__provider`, so it causes no diff (pulumi#12401);
 * - the state holds no client, connection settings or credentials: nothing here may hold a
 *   credential or a machine-specific path, the text lands in the state.
 *
 * The text is written here rather than produced by Pulumi's closure serializer
 * (`pulumi.dynamic.Resource`): the serialized closure of the same few calls was 3 KB per kind,
 * stored twice per resource (inputs and outputs), copied into every engine event and sent in every
 * provider call, and serializing it parsed the closure's code with the TypeScript compiler. At lab scale
 * it was three quarters of the state (docs/benchmarks.md, "What was changed in our code").
 *
 * States written by earlier versions carry the serialized closure, which calls the same host
 * functions (`check`, `diff`, `create`, `read`, `update`, `remove`, `configure`): host.ts keeps them.
 */
export function providerText(kind: string): string {
  let text = texts.get(kind);
  if (text === undefined) {
    text = write(kind);
    texts.set(kind, text);
  }
  return text;
}

/** One string per kind for the whole program, not one per resource. */
const texts = new Map<string, string>();

function write(kind: string): string {
  if (!/^[A-Za-z]+$/.test(kind)) throw new Error(`not a kind name: ${kind}`);
  return `exports.handler = () => {
  const path = require("path"), fs = require("fs");
  for (let d = process.env.QUAY_GITOPS_ROOT || process.cwd(); ; d = path.dirname(d)) {
    const f = path.join(d, "dist", "providers", "host.js");
    if (fs.existsSync(f)) return require(f).provider("${kind}");
    if (path.dirname(d) === d) throw new Error("quay-gitops: dist/providers/host.js not found above " + process.cwd() + "; run npm install");
  }
};
`;
}
