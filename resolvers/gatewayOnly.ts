import type { ApolloServerPlugin } from "@apollo/server";
import { type DocumentNode, GraphQLError, Kind, type SelectionSetNode } from "graphql";
import { GATEWAY_SECRET_HEADER, isLoopback, secretMatches } from "../guard/gatewaySecret.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/** The federation fields only the gateway needs: entity resolution and the subgraph's SDL. */
const GATEWAY_FIELDS = new Set(["_entities", "_service"]);

export type GatewayOnlyParameters = {
  /** The secret the gateway sends in the `caldera-gateway-secret` header; without one, loopback callers only. */
  secret?: string | undefined;
};

/**
 * Refuses `_entities` and `_service` with `GATEWAY_ONLY` (HTTP 403) unless the request comes from the gateway: it
 * carries the shared secret, or, when none is configured, it comes from a loopback address. Everything else the
 * subgraph serves stays open to direct callers (the same fields the gateway exposes).
 */
export function gatewayOnly({ secret }: GatewayOnlyParameters): ApolloServerPlugin<SubgraphContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, contextValue }) {
          if (!operation || !selectsAny(operation.selectionSet, document, GATEWAY_FIELDS)) return;
          const sent = request.http?.headers.get(GATEWAY_SECRET_HEADER);
          if (callerIsGateway({ secret, sent, remoteAddress: contextValue.caller.remoteAddress })) return;
          throw new GraphQLError(
            secret
              ? "_entities and _service answer only the Caldera gateway (the gateway secret is missing or wrong)"
              : "_entities and _service answer only the Caldera gateway (no gateway secret is configured, so only loopback callers)",
            { extensions: { code: "GATEWAY_ONLY", http: { status: 403 } } },
          );
        },
      };
    },
  };
}

export function callerIsGateway({
  secret,
  sent,
  remoteAddress,
}: {
  secret: string | undefined;
  sent: string | undefined;
  remoteAddress: string | undefined;
}): boolean {
  return secret ? secretMatches(sent, secret) : isLoopback(remoteAddress);
}

/** Whether the root selection (fragments and inline fragments expanded) asks for one of `names`. */
function selectsAny(selectionSet: SelectionSetNode, document: DocumentNode, names: Set<string>): boolean {
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode): boolean =>
    set.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return names.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet);
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(selection.name.value)) return false;
      seen.add(selection.name.value);
      return visit(fragment.selectionSet);
    });
  return visit(selectionSet);
}
