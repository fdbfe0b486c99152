import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM, for both layers of crypto-shredding: a data key per item seals the item's
 * personal fields, and the master key (held outside the database) wraps each data key. Every
 * output is `iv (12) | tag (16) | ciphertext`; `context` is authenticated, so a sealed value
 * cannot be moved to another item.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Random bytes drawn from the CSPRNG 4 KiB at a time: three small draws per message (its key,
 * two IVs) were each a system call, a measurable share of a send's CPU.
 */
const randomPool = { bytes: Buffer.alloc(0), used: 0 };
function random(length: number): Buffer {
  if (randomPool.used + length > randomPool.bytes.length) {
    randomPool.bytes = randomBytes(4096);
    randomPool.used = 0;
  }
  // A copy: a key must not share memory with bytes handed out later.
  const taken = Buffer.from(randomPool.bytes.subarray(randomPool.used, randomPool.used + length));
  randomPool.bytes.fill(0, randomPool.used, randomPool.used + length);
  randomPool.used += length;
  return taken;
}

export const newDataKey = (): Buffer => random(32);

function encrypt(key: Buffer, plaintext: Buffer, context: string): Buffer {
  const iv = random(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

function decrypt(key: Buffer, sealed: Buffer, context: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/**
 * Wrapping a data key makes no cipher of its own: the key is XORed with AES-256-CTR keystream
 * under the master key, made 4 KiB (128 keys) per cipher call, and the wrapped key carries the
 * counter block its keystream starts at, so each unwraps alone. A cipher per key was a fifth of
 * what sealing added to a send. The wrap is not authenticated: a tampered wrapped key yields a
 * wrong data key, and the authenticated seal of every value refuses it.
 */
const KEYSTREAM_WRAP = 0x01;
const KEYSTREAM_BYTES = 4096;
const BLOCK_BYTES = 16;
const NONCE_BYTES = 12;
interface Keystream {
  nonce: Buffer;
  bytes: Buffer;
  used: number;
}
const keystreams = new WeakMap<Buffer, Keystream>();

function counterBlock(nonce: Buffer, block: number): Buffer {
  const counter = Buffer.alloc(BLOCK_BYTES);
  nonce.copy(counter);
  counter.writeUInt32BE(block, NONCE_BYTES);
  return counter;
}

function keystreamFor(masterKey: Buffer, length: number): Keystream {
  const current = keystreams.get(masterKey);
  if (current && current.used + length <= current.bytes.length) return current;
  const nonce = random(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-ctr', masterKey, counterBlock(nonce, 0));
  const fresh = { nonce, bytes: cipher.update(Buffer.alloc(KEYSTREAM_BYTES)), used: 0 };
  keystreams.set(masterKey, fresh);
  return fresh;
}

export function wrapKey(masterKey: Buffer, _keyId: string, dataKey: Buffer): Buffer {
  const keystream = keystreamFor(masterKey, dataKey.length);
  const wrapped = Buffer.alloc(1 + BLOCK_BYTES + dataKey.length);
  wrapped[0] = KEYSTREAM_WRAP;
  counterBlock(keystream.nonce, keystream.used / BLOCK_BYTES).copy(wrapped, 1);
  for (let i = 0; i < dataKey.length; i++) wrapped[1 + BLOCK_BYTES + i] = dataKey[i] ^ keystream.bytes[keystream.used + i];
  // Used keystream is wiped and never handed out again; the next key starts on a fresh block.
  const taken = Math.ceil(dataKey.length / BLOCK_BYTES) * BLOCK_BYTES;
  keystream.bytes.fill(0, keystream.used, keystream.used + taken);
  keystream.used += taken;
  return wrapped;
}

/** Keys wrapped before the keystream wrap (AES-GCM, `key:<id>` authenticated) still unwrap. */
const GCM_WRAPPED_BYTES = IV_BYTES + TAG_BYTES + 32;

export function unwrapKey(masterKey: Buffer, keyId: string, wrapped: Buffer): Buffer {
  if (wrapped.length === GCM_WRAPPED_BYTES) return decrypt(masterKey, wrapped, `key:${keyId}`);
  if (wrapped[0] !== KEYSTREAM_WRAP) throw new Error(`the wrapped key of ${keyId} has an unknown form`);
  const decipher = createDecipheriv('aes-256-ctr', masterKey, wrapped.subarray(1, 1 + BLOCK_BYTES));
  return decipher.update(wrapped.subarray(1 + BLOCK_BYTES));
}

/** Seals bytes with `context` authenticated: `iv | tag | ciphertext`, 28 bytes longer than the input. */
export const sealBytes = (dataKey: Buffer, context: string, plaintext: Buffer): Buffer => encrypt(dataKey, plaintext, context);
export const openBytes = (dataKey: Buffer, context: string, sealed: Buffer): Buffer => decrypt(dataKey, sealed, context);
/** What sealing adds to each sealed value (IV and tag). */
export const SEAL_OVERHEAD_BYTES = IV_BYTES + TAG_BYTES;

export const sealText = (dataKey: Buffer, context: string, text: string): string => encrypt(dataKey, Buffer.from(text, 'utf8'), context).toString('base64');
export const openText = (dataKey: Buffer, context: string, sealed: string): string => decrypt(dataKey, Buffer.from(sealed, 'base64'), context).toString('utf8');

/** The master key from its configured form: 32 bytes, base64 or base64url. */
export function parseMasterKey(encoded: string): Buffer {
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32) throw new Error('the master key must be 32 bytes, base64-encoded');
  return key;
}
