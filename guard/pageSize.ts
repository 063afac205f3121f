/**
 * The API's page sizes. The subgraph's resolvers enforce them (`resolvers/connection.ts`); the gateway and the
 * subgraph multiply them in the query cost limit, before anything runs.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
