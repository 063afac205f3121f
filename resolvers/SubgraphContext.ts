import type { HubServices } from "../usecases/HubServices.js";
import type { Loaders } from "./createLoaders.js";

export type { HubServices };

/** Per request: fresh DataLoaders (no cross-request caching) and the process-wide hub services. */
export type SubgraphContext = { loaders: Loaders; hub: HubServices };
