import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type ApolloServerPlugin, type GraphQLResponse, HeaderMap } from "@apollo/server";
import {
  type DocumentNode,
  type FormattedExecutionResult,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { RateLimits } from "../config/loadCalderaConfig.js";
import type { ErrorCode } from "../errors/errorCodes.js";
import { createRateLimiter } from "../guard/createRateLimiter.js";
import { identifyClient } from "../guard/identifyClient.js";
import type { IdempotencyStore } from "../services/createIdempotencyStore.js";
import type { Caller } from "../services/serveApollo.js";

/** The request header carrying a client's idempotency key (draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";

/**
 * Errors that mean the mutation was refused before it proved or sent anything, and that a client retries later with
 * the same request: such a response is not kept, so the retry, under the same key, runs.
 */
const REFUSED_BEFORE_RUNNING: ReadonlySet<string> = new Set<ErrorCode>([
  "BUSY",
  "RATE_LIMITED",
  "INDEXER_UNAVAILABLE",
]);

export type MutationGuardParameters = {
  /** caldera.config.json's `rateLimits`. */
  rateLimits: RateLimits;
  /** Where idempotency keys live (Postgres, shared by every replica); without one, `Idempotency-Key` is refused. */
  idempotency?: IdempotencyStore | undefined;
  /** The stack's gateway secret: the gateway's `x-forwarded-for` is believed only with it. */
  gatewaySecret?: string | undefined;
  /** How long a retry waits for the request still running under its key before `IDEMPOTENCY_KEY_IN_USE` (409). */
  waitForRunningMs?: number | undefined;
  /** How often a waiting retry looks again. */
  pollMs?: number | undefined;
  /** Milliseconds since an epoch, for the rate limiter (tests). */
  now?: (() => number) | undefined;
};

/**
 * What the subgraph puts in front of every mutation (they prove, and send transactions the hub pays for):
 *
 * - **Idempotency keys**: a mutation sent with `Idempotency-Key` claims (client, key) in Postgres with a fingerprint
 *   of its operation name, query and variables. A retry of the same request gets the first one's response byte for
 *   byte, waiting for it while it runs (up to `waitForRunningMs`, then 409 `IDEMPOTENCY_KEY_IN_USE`); the same key
 *   on another request is 422 `IDEMPOTENCY_KEY_REUSED`. A malformed key is 400 `BAD_USER_INPUT`. Every final
 *   response is kept (24 h) except a refusal that ran nothing (`BUSY`, `RATE_LIMITED`, `INDEXER_UNAVAILABLE`, or a
 *   request error): the key is released and a retry runs.
 * - **Rate limits**: a token bucket per client (`identifyClient`: API key, else address), one token per mutation
 *   field; over it, 429 `RATE_LIMITED` with `Retry-After` and `extensions.retryAfterSeconds`. A replay costs no token
 *   (it sends nothing).
 *
 * Both refuse as request errors (no `data`), before anything runs. Queries pass untouched.
 */
export function mutationGuard<Context extends { caller: Caller }>({
  rateLimits,
  idempotency,
  gatewaySecret,
  waitForRunningMs = 60_000,
  pollMs = 200,
  now,
}: MutationGuardParameters): ApolloServerPlugin<Context> {
  const limiter = createRateLimiter({ ...rateLimits, now });
  return {
    async requestDidStart({ logger }) {
      let claimed: { client: string; key: string } | undefined;
      let rootFields: string[] = [];
      return {
        async didResolveOperation({ operation, request }) {
          if (operation?.operation !== "mutation") return;
          // Throws BAD_USER_INPUT (400) for a malformed key, before anything else looks at it.
          parseIdempotencyKey(request.http?.headers.get(IDEMPOTENCY_KEY_HEADER), idempotency !== undefined);
        },
        async responseForOperation({ operation, document, request, source, contextValue }) {
          if (operation?.operation !== "mutation") return null;
          const { caller } = contextValue;
          const client = identifyClient({
            header: (name) => caller.headers.get(name),
            remoteAddress: caller.remoteAddress,
            gatewaySecret,
          });
          rootFields = rootResponseKeys(operation, document);
          const key = parseIdempotencyKey(
            caller.headers.get(IDEMPOTENCY_KEY_HEADER),
            idempotency !== undefined,
          );
          if (key !== undefined && idempotency !== undefined) {
            const fingerprint = fingerprintOf(request.operationName, source, request.variables);
            const deadline = Date.now() + waitForRunningMs;
            for (;;) {
              const claim = await idempotency.claim({ client, key, fingerprint }).catch((error: unknown) => {
                logger.error(`idempotency store: ${String(error)}`);
                return undefined;
              });
              if (claim === undefined)
                return refusal(
                  503,
                  "INTERNAL_SERVER_ERROR",
                  "the idempotency store cannot be reached; nothing was run, retry later",
                );
              if (claim.state === "claimed") break;
              if (claim.state === "mismatch")
                return refusal(
                  422,
                  "IDEMPOTENCY_KEY_REUSED",
                  "this Idempotency-Key was used for a different request (another operation or other variables); use a new key for a new request",
                );
              if (claim.state === "completed") return replay(claim.response);
              if (Date.now() >= deadline)
                return refusal(
                  409,
                  "IDEMPOTENCY_KEY_IN_USE",
                  "a request with this Idempotency-Key is still running; retry with the same key to get its response",
                  1,
                );
              await sleep(pollMs);
            }
            claimed = { client, key };
          }
          const decision = limiter.take(client, Math.max(1, rootFields.length));
          if (decision.allowed) return null;
          if (claimed !== undefined) {
            await idempotency?.release(claimed).catch(() => {});
            claimed = undefined;
          }
          return refusal(
            429,
            "RATE_LIMITED",
            `too many mutations from this client (${rateLimits.mutationsPerMinute} a minute, bursts of ${rateLimits.burst}); retry in ${decision.retryAfterSeconds} s`,
            decision.retryAfterSeconds,
          );
        },
        async willSendResponse({ response }) {
          if (claimed === undefined || idempotency === undefined) return;
          const owned = claimed;
          claimed = undefined;
          // graphql-js 16 has no incremental delivery: a mutation's response is always one result.
          if (response.body.kind !== "single") return;
          const { errors, data, extensions } = response.body.singleResult;
          const result = { errors, data, extensions };
          try {
            if (ranNothing(result, rootFields)) await idempotency.release(owned);
            // Apollo's own serialisation (JSON, fields in this order), so a replay sends the same bytes.
            else
              await idempotency.complete(owned, {
                status: response.http.status ?? 200,
                body: JSON.stringify(result),
              });
          } catch (error) {
            // The mutation ran; its client gets its response. The key stays running: retries get 409, never a rerun.
            logger.error(`idempotency store: ${String(error)}`);
          }
        },
      };
    },
  };
}

/**
 * The key as sent: an sf-string per the draft (`"…"`) or, as most clients send it, bare; 1 to 255 printable ASCII
 * characters. Undefined when absent.
 */
function parseIdempotencyKey(header: string | undefined, supported: boolean): string | undefined {
  if (header === undefined) return undefined;
  const quoted = /^"(.*)"$/.exec(header.trim());
  const key = quoted ? (quoted[1] ?? "").replace(/\\(["\\])/g, "$1") : header.trim();
  if (!/^[\x20-\x7e]{1,255}$/.test(key))
    throw new GraphQLError(
      "the Idempotency-Key header must be 1 to 255 printable ASCII characters (a UUID is a good key)",
      { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } },
    );
  if (!supported)
    throw new GraphQLError(
      "this server keeps no idempotency keys; send the mutation without Idempotency-Key",
      {
        extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
      },
    );
  return key;
}

/** Operation name, query text and variables (keys sorted at every level: a client's key order is not the request). */
function fingerprintOf(
  operationName: string | undefined,
  query: string,
  variables: Record<string, unknown> | undefined,
): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === "object"
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  return createHash("sha256")
    .update(JSON.stringify([operationName ?? null, query, canonical(variables ?? {})]))
    .digest("hex");
}

/** The response keys of the operation's root fields, fragments expanded (`__typename` is free). */
function rootResponseKeys(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const keys = new Set<string>();
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== "__typename") keys.add(selection.alias?.value ?? selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return [...keys];
}

/**
 * Whether the request ran nothing a retry could repeat: a request error (no `data`), or every root field refused
 * before running (each has an error of `REFUSED_BEFORE_RUNNING`, and there is no other error). With several
 * mutation fields, one that succeeded vanishes from `data` when a sibling's non-null payload fails: only errors on
 * every field prove that none ran.
 */
function ranNothing(result: FormattedExecutionResult, rootFields: string[]): boolean {
  if (result.data === undefined) return true;
  const errors = result.errors ?? [];
  if (errors.length === 0) return false;
  if (!errors.every((e) => REFUSED_BEFORE_RUNNING.has(String(e.extensions?.code)))) return false;
  const refused = new Set(errors.map((e) => e.path?.[0]));
  return rootFields.every((field) => refused.has(field));
}

function replay(stored: { status: number; body: string }): GraphQLResponse {
  return {
    http: { status: stored.status, headers: new HeaderMap() },
    body: { kind: "single", singleResult: JSON.parse(stored.body) as FormattedExecutionResult },
  };
}

/** A request error (no `data`) with an HTTP status; `retryAfterSeconds` also as the `Retry-After` header. */
function refusal(
  status: number,
  code: ErrorCode,
  message: string,
  retryAfterSeconds?: number,
): GraphQLResponse {
  const headers = new HeaderMap();
  if (retryAfterSeconds !== undefined) headers.set("retry-after", String(retryAfterSeconds));
  return {
    http: { status, headers },
    body: {
      kind: "single",
      singleResult: {
        errors: [
          {
            message,
            extensions: { code, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) },
          },
        ],
      },
    },
  };
}
