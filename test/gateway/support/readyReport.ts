import type { SupergraphStatus } from "../../../gateway/createSupergraphManager.js";

export type GatewayReadyReport = { status: number; ready: boolean; supergraph: SupergraphStatus };

/** The gateway's `GET /ready` answer: readiness and where each partner stands. */
export async function readyReport(gatewayUrl: string): Promise<GatewayReadyReport> {
  const response = await fetch(gatewayUrl.replace(/\/graphql$/, "/ready"));
  const body = (await response.json()) as { ready: boolean; supergraph: SupergraphStatus };
  return { status: response.status, ready: body.ready, supergraph: body.supergraph };
}
