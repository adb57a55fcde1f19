/** `quay-gitops export`, pure: live Quay objects → tenant files and a registry file (docs/onboarding.md). */
export {
  type ExportedTenant,
  type ExportNote,
  type ExportOptions,
  type ExportResult,
  exportLab,
} from "./build";
export type * from "./live";
export { envName, formatDuration, formatSize } from "./units";
