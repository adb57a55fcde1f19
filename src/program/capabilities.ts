import * as pulumi from "@pulumi/pulumi";
import { allKindInfos, schemaWord } from "../kinds";
import type { DesiredState } from "../model/types";
import { type Feature, probeCapabilities } from "../quay/api/capabilities";
import { journalFromEnv } from "../quay/api/journal";
import { QuaySession } from "../quay/api/session";
import { connectionSource, findConnection } from "../quay/connection";
import { describeOutage } from "../quay/outage";

/** Which features the desired state uses, and where: feature → tenant file → what in it. */
export function neededFeatures(state: DesiredState): Map<Feature, Map<string, Set<string>>> {
  const needs = new Map<Feature, Map<string, Set<string>>>();
  const need = (f: Feature, file: string, what: string) => {
    const files = needs.get(f) ?? new Map<string, Set<string>>();
    files.set(file, (files.get(file) ?? new Set<string>()).add(what));
    needs.set(f, files);
  };
  for (const t of state.tenants)
    for (const k of allKindInfos()) {
      if (k.objects(t).length === 0) continue;
      const what = schemaWord(k.schema[0]);
      if (k.feature) need(k.feature.flag, t.file, what);
      const used = (k.parts ?? []).filter((p) => p.used(t));
      for (const p of used) need(p.gate.flag, t.file, schemaWord(p.schema));
      // The superuser role needs the superuser API, which FEATURE_SUPER_USERS registers.
      for (const n of [...k.rights(t, state), ...used.flatMap((p) => p.rights)])
        if (n.right === "superuser") need("FEATURE_SUPER_USERS", t.file, n.what);
    }
  return needs;
}

const where = (files: Map<string, Set<string>>) =>
  [...files].map(([file, what]) => `${file} (${[...what].join(", ")})`).join(", ");

/**
 * Before an update changes anything: does the registry offer every feature the tenants use? A
 * missing one fails the run up front, naming the feature and the tenant files that need it,
 * instead of half-way through an apply. Costs one request per used feature plus one.
 */
export async function checkCapabilities(state: DesiredState): Promise<void> {
  const needs = neededFeatures(state);
  if (needs.size === 0) return;
  const connection = findConnection(connectionSource((k) => pulumi.runtime.getConfig(k), process.env));
  if (!connection) return; // the providers report the missing connection with its fix
  const url = connection.url;
  const journal = journalFromEnv(process.env);
  const client = connection.client({
    userAgent: "quay-gitops",
    onOutage: (o) => pulumi.log.info(describeOutage(o)),
    sessionStore: journal.sessionStore,
  });
  try {
    // In an apply, the preview's provider already asked: its recorded reads answer (journal.ts).
    const session = new QuaySession(client, { replay: journal.replay });
    const report = await probeCapabilities(session, new Set(needs.keys()));
    if (report.missing.length > 0) {
      const lines = report.missing.map((m) => `- ${m.reason}; used by ${where(needs.get(m.feature)!)}`);
      // RunError: Pulumi reports the message alone, without the program's stack trace.
      throw new pulumi.RunError(
        `the registry at ${url} lacks what the tenant files use; nothing was applied:\n${lines.join("\n")}`,
      );
    }
  } finally {
    await client.close();
  }
}
