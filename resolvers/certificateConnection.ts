import type { GraphQLResolveInfo } from "graphql";
import { certificateColumns } from "./certificateColumns.js";
import type { CertificateFilterKey } from "./certificateListQueries.js";
import { checkPageSize, decodeCursorKeys, encodeCursorOf, toConnection, UINT_KEY } from "./connection.js";
import type { Loaders } from "./createLoaders.js";
import type { CertificateRow } from "./rows.js";

/**
 * A page of certificates newest first (`certificates`, `Provider.certificates`). The cursor is the last row's
 * keyset position, (certifiedAt, id); the count is loaded only when selected.
 */
export async function certificateConnection(
  filter: CertificateFilterKey,
  first: number | null | undefined,
  after: string | null | undefined,
  loaders: Loaders,
  /** What the query selects under the connection: its rows read only the columns that needs (certificateColumns). */
  info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">,
) {
  const position = decodeCursorKeys("certificate", after, [UINT_KEY, UINT_KEY]);
  const { rows, hasNextPage } = await loaders.certificatePage.load({
    ...filter,
    first: checkPageSize(first),
    after: position && { certifiedAt: position[0] as string, id: position[1] as string },
    columns: certificateColumns(info),
  });
  return toConnection<CertificateRow>({
    rows,
    hasNextPage,
    hasPreviousPage: position !== undefined,
    cursorOf: (row) => encodeCursorOf("certificate", row.certifiedAt, row.id),
    totalCount: () => loaders.certificateCount.load(filter),
  });
}
