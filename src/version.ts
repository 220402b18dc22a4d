// The Redis version redstate speaks as (INFO redis_version, HELLO, RDB redis-ver).
export const REDIS_VERSION = '7.0.15';
export const REDSTATE_VERSION = '0.1.0';
