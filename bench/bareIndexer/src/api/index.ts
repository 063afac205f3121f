import { Hono } from "hono";

// ponder requires an API entry; the bench only uses ponder's built-in /status.
export default new Hono();
