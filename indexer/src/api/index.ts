import { Hono } from "hono";

// ponder requires an API entry; Caldera serves GraphQL from its own subgraph process (see resolvers/), so this
// app only carries ponder's built-in /health, /ready, /status and /metrics.
export default new Hono();
