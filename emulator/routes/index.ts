import type { Handler } from "../context";
import type { RouteDef } from "../router";
import { autopruneRoutes } from "./autoprune";
import { discoveryRoute } from "./discovery";
import { errorTypeRoutes } from "./errortypes";
import { immutabilityRoutes } from "./immutability";
import { initializeRoutes } from "./initialize";
import { logRoutes } from "./logs";
import { mirrorRoutes } from "./mirrors";
import { notificationRoutes } from "./notifications";
import { organizationRoutes } from "./organizations";
import { permissionRoutes } from "./permissions";
import { prototypeRoutes } from "./prototypes";
import { proxyCacheRoutes } from "./proxycache";
import { quotaRoutes } from "./quotas";
import { repositoryRoutes } from "./repositories";
import { robotRoutes } from "./robots";
import { signinRoutes } from "./signin";
import { teamRoutes } from "./teams";
import { userRoutes } from "./users";
import { webConfigRoutes } from "./webconfig";

/** Every Quay route the emulator serves; feature-gated ones declare their flags (`enabled`). */
export const allRoutes: readonly RouteDef<Handler>[] = [
  ...organizationRoutes,
  ...userRoutes,
  ...robotRoutes,
  ...teamRoutes,
  ...repositoryRoutes,
  ...permissionRoutes,
  ...prototypeRoutes,
  ...quotaRoutes,
  ...mirrorRoutes,
  ...proxyCacheRoutes,
  ...autopruneRoutes,
  ...immutabilityRoutes,
  ...notificationRoutes,
  ...logRoutes,
  ...errorTypeRoutes,
  ...initializeRoutes,
  ...signinRoutes,
  ...webConfigRoutes,
  discoveryRoute(() => allRoutes),
];
