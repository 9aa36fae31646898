/**
 * repod for TypeScript — the Redis adapter's entry point, `repod/redis`.
 * The only module that loads `ioredis` (an optional peer dependency): a
 * server that does not scale out never needs it installed.
 */
export { RedisAdapter, type RedisAdapterOptions } from "./adapter/redis.ts";
