import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../engine/env";
import type { Command } from "../command";
import { parseCommandArgs } from "../options";

const HELP = `usage: quay-gitops version

Prints the quay-gitops version, the Pulumi CLI version it is pinned to and the Node.js it runs on.
`;

export const command: Command = {
  name: "version",
  summary: "print the quay-gitops version and the Pulumi versions it is pinned to",
  async run(args) {
    if (!parseCommandArgs(args, { options: {}, help: HELP })) return 0;
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as {
      version: string;
      quayGitops: { pulumiVersion: string };
    };
    process.stdout.write(
      `quay-gitops ${pkg.version} (Pulumi CLI v${pkg.quayGitops.pulumiVersion}, node ${process.version})\n`,
    );
    return 0;
  },
};
