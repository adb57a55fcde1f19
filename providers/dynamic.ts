import type * as pulumi from "@pulumi/pulumi";

/**
 * The provider objects Pulumi serializes into the state (`__provider`). Each method only loads
 * providers/host.js from the project and calls it, so:
 * - refresh and delete run the current checkout's code, not a copy frozen at the last update
 *   (PULUMI-NOTES A6, pulumi#16826);
 * - the state carries these few lines per resource, not the HTTP client;
 * - upgrading our code does not change `__provider`, so it causes no diff (pulumi#12401).
 * The provider process runs in the project folder (the engine sets its cwd), where `npm install`
 * has built dist/. QUAY_GITOPS_ROOT overrides that folder.
 *
 * Nothing here may capture a credential or a machine-specific path: the text lands in the state.
 */
export function thinProvider(kind: string): pulumi.dynamic.ResourceProvider {
  const host = () => {
    const path = require("node:path");
    const fs = require("node:fs");
    // The engine starts the provider in the program's folder (dist/src/program) or the project
    // folder: look upwards for the compiled host.
    let dir: string = process.env.QUAY_GITOPS_ROOT || process.cwd();
    for (;;) {
      const file = path.join(dir, "dist", "providers", "host.js");
      if (fs.existsSync(file)) return require(file);
      const up = path.dirname(dir);
      if (up === dir)
        throw new Error(
          `quay-gitops: dist/providers/host.js not found above ${process.cwd()}; run npm install`,
        );
      dir = up;
    }
  };
  return {
    configure: async (req) => host().configure(req.config),
    check: async (olds, news) => host().check(kind, olds, news),
    diff: async (id, olds, news) => host().diff(kind, id, olds, news),
    create: async (inputs) => host().create(kind, inputs),
    read: async (id, props) => host().read(kind, id, props),
    update: async (id, olds, news) => host().update(kind, id, olds, news),
    delete: async (id, props) => host().remove(kind, id, props),
  };
}
