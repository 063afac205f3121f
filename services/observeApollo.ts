import type { ApolloServerPlugin, BaseContext, GraphQLResponse } from "@apollo/server";
import type { Logger } from "./createLogger.js";
import type { Metrics, OperationType, RequestOutcome } from "./createMetrics.js";
import { type RequestContext, requestOfContext } from "./requestContext.js";

export type ObserveApolloParameters = {
  /** `gateway` or `subgraph`: bound to every log line (the metrics' registry carries it as a label already). */
  server: string;
  metrics: Metrics;
  /** Where the request lines go; without one nothing is logged (metrics still count). */
  logger?: Logger | undefined;
};

/** One request's record, as metrics count it and as its JSON log line says it. */
export type RequestRecord = {
  requestId: string;
  operationName: string | null;
  operationType: OperationType;
  status: number;
  durationMs: number;
  outcome: RequestOutcome;
  errorCodes: string[];
};

export type ObserveApolloReturnType = {
  metrics: Metrics;
  logger: Logger | undefined;
  /** Put it last among the server's plugins: it reads the response as the other plugins left it (status, body). */
  plugin: ApolloServerPlugin<BaseContext>;
  /**
   * For `serveApollo`: a GraphQL request that Apollo's request pipeline never answered — a body refused before
   * Apollo saw it (413, not JSON), or one Apollo refused before the pipeline (a batch, a missing content type). A
   * success there is no GraphQL request (the landing page): counted under `http_requests_total{path="/graphql"}`.
   */
  unanswered: (context: RequestContext, status: number) => void;
};

/** The gateway asks every subgraph for its SDL on a timer: counted, but logged at debug so it does not flood. */
const COMPOSITION_OPERATION = "__ApolloGetServiceDefinition__";

/**
 * Metrics and one structured log line per GraphQL request, shared by the gateway and the subgraph. The line has
 * the request id `serveApollo` settled on (the client's `x-request-id`, which the gateway forwards), so a request
 * can be followed gateway → subgraph → its SQL statements:
 *
 * `{"level":"info","time":"…","server":"gateway","requestId":"…","operationName":"Certificates",
 *   "operationType":"query","status":200,"durationMs":12.3,"outcome":"ok","errorCodes":[],"msg":"graphql request"}`
 *
 * Server faults (`INTERNAL_SERVER_ERROR`, a 5xx) are logged at error level with the underlying messages, which the
 * client never sees; everything else at info.
 */
export function observeApollo({
  server,
  metrics,
  logger: parent,
}: ObserveApolloParameters): ObserveApolloReturnType {
  // A caller's logger may be bound to its server already (`caldera gateway`): one `server` key per line.
  const logger = parent && parent.bindings().server === undefined ? parent.child({ server }) : parent;

  const record = (entry: RequestRecord, internalErrors: string[] = [], debug = false) => {
    metrics.graphqlRequest({
      operationType: entry.operationType,
      outcome: entry.outcome,
      durationSeconds: entry.durationMs / 1000,
      errorCodes: entry.errorCodes,
    });
    if (!logger) return;
    const fault = entry.status >= 500 || entry.errorCodes.includes("INTERNAL_SERVER_ERROR");
    if (fault) logger.error({ ...entry, internalErrors }, "graphql request");
    else if (debug) logger.debug(entry, "graphql request");
    else logger.info(entry, "graphql request");
  };

  const plugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart({ contextValue }) {
      const context = requestOfContext(contextValue);
      const startedAt = context?.startedAt ?? performance.now();
      return {
        async willSendResponse(request) {
          if (context) context.observed = true;
          const { errors, data } = resultOf(request.response);
          const errorCodes = (errors ?? []).map((e) => String(e.extensions?.code ?? "UNKNOWN"));
          // The client's name, cut: a line must not carry whatever a request body can hold.
          const name = request.operationName ?? request.request.operationName;
          const operationName = name == null ? null : cut(name, 100);
          record(
            {
              requestId: context?.requestId ?? "",
              operationName,
              operationType: request.operation?.operation ?? "none",
              status: request.response.http.status ?? 200,
              durationMs: roundMs(performance.now() - startedAt),
              outcome: errors === undefined || errors.length === 0 ? "ok" : data ? "partial" : "error",
              errorCodes,
            },
            (request.errors ?? []).map((e) => cut(e.originalError?.message ?? e.message, 300)),
            operationName === COMPOSITION_OPERATION,
          );
        },
      };
    },
  };

  return {
    metrics,
    logger,
    plugin,
    unanswered: (context, status) => {
      if (context.observed) return;
      context.observed = true;
      // Not a GraphQL request at all: Apollo's landing page for a browser's GET.
      if (status < 400) return metrics.httpRequest("/graphql", status);
      record({
        requestId: context.requestId,
        operationName: null,
        operationType: "none",
        status,
        durationMs: roundMs(performance.now() - context.startedAt),
        outcome: "error",
        errorCodes: [
          status === 413 ? "REQUEST_TOO_LARGE" : status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST",
        ],
      });
    },
  };
}

type Result = { errors?: readonly { extensions?: Record<string, unknown> }[]; data?: unknown };

/** The response's errors and data; for an incremental (@defer) response, its initial part. */
function resultOf(response: GraphQLResponse): Result {
  return response.body.kind === "single" ? response.body.singleResult : response.body.initialResult;
}

function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
