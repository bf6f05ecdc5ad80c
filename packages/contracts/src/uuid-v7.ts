import { randomFillSync } from 'node:crypto';

// Random bytes are drawn from the CSPRNG in blocks, as crypto.randomUUID() does with its own
// cache: one call per 256 ids, not one per id.
const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let next = POOL_IDS;

/**
 * An RFC 9562 version 7 UUID: the Unix time in milliseconds in its first 48 bits, then version,
 * variant and 74 random bits.
 *
 * Why not crypto.randomUUID() (version 4): every id here becomes a btree key (orders.id, the
 * outbox's and processed_events' event_id, the consumers' order_id columns). Random keys land on
 * a random leaf page of an index that grows with every order, so each insert touched a page no
 * longer in shared_buffers and, after each checkpoint, wrote that whole page to the WAL again.
 * Time-ordered keys go to the right-hand leaf, which stays hot. Ids made in the same millisecond
 * are not ordered among themselves; nothing needs them to be (the outbox publishes by its own
 * serial id).
 */
export function uuidv7(nowMs: number = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const o = 16 * next++;
  // 48-bit big-endian milliseconds (Number is exact to 2^53, so the division is safe).
  const high = Math.floor(nowMs / 2 ** 16);
  pool[o] = (high >>> 24) & 0xff;
  pool[o + 1] = (high >>> 16) & 0xff;
  pool[o + 2] = (high >>> 8) & 0xff;
  pool[o + 3] = high & 0xff;
  pool[o + 4] = (nowMs >>> 8) & 0xff;
  pool[o + 5] = nowMs & 0xff;
  pool[o + 6] = ((pool[o + 6] as number) & 0x0f) | 0x70; // version 7
  pool[o + 8] = ((pool[o + 8] as number) & 0x3f) | 0x80; // variant 10
  const hex = pool.toString('hex', o, o + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The millisecond timestamp a version 7 UUID carries. */
export function uuidv7Time(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
