import postgres from "postgres";
import { startTestStack, type TestStack } from "./startTestStack.js";

export type TestStackWithSql = TestStack & {
  /** A small pool on the stack's database, for reading what SQL readers of the views schema see. */
  sql: postgres.Sql;
};

/** The real stack (`startTestStack`) with a Postgres pool on it; `teardown` ends the pool, then stops the stack. */
export async function startTestStackWithSql(): Promise<TestStackWithSql> {
  const stack = await startTestStack();
  const sql = postgres(stack.postgresUrl, { max: 2, onnotice: () => {} });
  return {
    ...stack,
    sql,
    teardown: async () => {
      await sql.end();
      await stack.teardown();
    },
  };
}
