import { GraphQLError } from "graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../guard/pageSize.js";
import type { CertificatePage } from "./rows.js";

/** Opaque Relay cursors over certificate ids. */
export function encodeCursor(id: string): string {
  return encodeCursorOf("certificate", id);
}

export function decodeCursor(cursor: string | null | undefined): string | undefined {
  return decodeCursorOf("certificate", cursor);
}

/** Opaque Relay cursors over the numeric ids of one entity (`derivative:12`), so a cursor of one list fits no other. */
export function encodeCursorOf(entity: string, id: string): string {
  return Buffer.from(`${entity}:${id}`).toString("base64url");
}

export function decodeCursorOf(entity: string, cursor: string | null | undefined): string | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const text = Buffer.from(cursor, "base64url").toString();
  const match = text.startsWith(`${entity}:`) ? /^(\d{1,78})$/.exec(text.slice(entity.length + 1)) : null;
  // The cursor is never echoed: it is opaque, and whatever a client sends in its place could be huge.
  if (!match)
    throw new GraphQLError("after is not a cursor this API issued (pass a cursor or endCursor from a page)", {
      extensions: { code: "BAD_USER_INPUT" },
    });
  return match[1];
}

export function checkPageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE)
    throw new GraphQLError(`first must be between 0 and ${MAX_PAGE_SIZE}, got ${size}`, {
      extensions: { code: "BAD_USER_INPUT" },
    });
  return size;
}

export function toConnection(page: CertificatePage, hasPreviousPage: boolean) {
  const edges = page.rows.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return {
    edges,
    totalCount: page.totalCount,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
