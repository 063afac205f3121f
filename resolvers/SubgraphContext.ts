import type { Caller } from "../services/serveApollo.js";
import type { HubServices } from "../usecases/HubServices.js";
import type { Loaders } from "./createLoaders.js";

export type { HubServices };

/**
 * Per request: fresh DataLoaders (no cross-request caching), the process-wide hub services and who is calling (the
 * gateway-only fields check it).
 */
export type SubgraphContext = { loaders: Loaders; hub: HubServices; caller: Caller };
