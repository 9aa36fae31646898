/**
 * Telling, without decoding it, that a payload is an application message: a
 * msgpack map whose first key is `"action"` and whose action neither starts
 * with `_` (a control frame) nor is `connected` (the greeting).
 *
 * A channel whose reading is paused by its rate limits refuses the
 * application messages that still arrive (the rest of the read that held
 * the refused one); this lets it refuse them for the cost of a few byte
 * compares instead of a decode. Our encoder and Python's `msgpack` both
 * write `action` first when the sender put it first; a payload laid out any
 * other way is simply decoded, as usual.
 */

/** `"action"` as a msgpack fixstr: 0xa6 then its six bytes. */
const ACTION_KEY = [0xa6, 0x61, 0x63, 0x74, 0x69, 0x6f, 0x6e];
const UNDERSCORE = 0x5f;
const CONNECTED = "connected";

/** True when `source[start, end)` is certainly an application message (see above); false when unsure. */
export function isApplicationMessage(source: Uint8Array, start: number, end: number): boolean {
  let at = start;
  const head = source[at];
  if (head === undefined || at >= end) return false;
  if (head >= 0x81 && head <= 0x8f) at += 1;
  else if (head === 0xde) at += 3;
  else if (head === 0xdf) at += 5;
  else return false;
  if (at + ACTION_KEY.length >= end) return false;
  for (let i = 0; i < ACTION_KEY.length; i++) if (source[at + i] !== ACTION_KEY[i]) return false;
  at += ACTION_KEY.length;
  const tag = source[at]!;
  let length: number;
  if (tag >= 0xa1 && tag <= 0xbf) {
    length = tag & 0x1f;
    at += 1;
  } else if (tag === 0xd9) {
    length = source[at + 1] ?? 0;
    at += 2;
  } else if (tag === 0xda) {
    length = ((source[at + 1] ?? 0) << 8) | (source[at + 2] ?? 0);
    at += 3;
  } else return false;
  if (length === 0 || at + length > end) return false;
  if (source[at] === UNDERSCORE) return false;
  if (length === CONNECTED.length) {
    let same = true;
    for (let i = 0; i < length && same; i++) same = source[at + i] === CONNECTED.charCodeAt(i);
    if (same) return false;
  }
  return true;
}
