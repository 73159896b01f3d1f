// The default task of the main job: real CPU work on each record. It stretches the record's text
// into a key (PBKDF2-style, 200 rounds of SHA-256, as password hashing does) and compresses it.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

const ROUNDS = 200;

export default function digest(record) {
  let key = createHash('sha256').update(`${record.id}:${record.text}`).digest();
  for (let i = 1; i < ROUNDS; i++) key = createHash('sha256').update(key).digest();
  const compressed = deflateSync(record.text, { level: 9 });
  return {
    id: record.id,
    key: key.toString('hex'),
    bytes: Buffer.byteLength(record.text),
    compressedBytes: compressed.length,
  };
}
