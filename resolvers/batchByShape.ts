/**
 * Runs a DataLoader batch as one statement per shape of key (keys setting the same filters share a statement, each
 * key a row of its LATERAL join) and hands each key its rows, in the statement's order. `run` tags every row with
 * the index of its key in the group (`batchIndex`).
 */
export async function batchByShape<K, R extends { batchIndex: number }>(
  keys: readonly K[],
  shapeOf: (key: K) => string,
  run: (group: K[]) => Promise<readonly R[]>,
): Promise<Omit<R, "batchIndex">[][]> {
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const shape = shapeOf(key);
    const group = groups.get(shape);
    if (group) group.push(i);
    else groups.set(shape, [i]);
  });
  const results: Omit<R, "batchIndex">[][] = keys.map(() => []);
  await Promise.all(
    [...groups.values()].map(async (indices) => {
      const rows = await run(indices.map((i) => keys[i] as K));
      // Rows are handed on as they came, `batchIndex` and all: copying each without it (`{ batchIndex, ...row }`)
      // was a measurable share of a nested request's CPU, and resolvers read rows by field, never as a whole.
      for (const row of rows) results[indices[row.batchIndex] as number]?.push(row);
    }),
  );
  return results;
}
