import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';

/** A secret (docs/webhooks.md): `whsec_` + base64 of 32 random bytes, as Standard Webhooks expects. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The key bytes Standard Webhooks signs with: the base64 part after `whsec_`. */
function standardKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

interface Keys {
  /** The whole secret string as UTF-8 (`X-Hook-Signature`). */
  hook: KeyObject;
  /** The decoded part after `whsec_` (Standard Webhooks). */
  standard: KeyObject;
}

/**
 * HMAC keys prepared once per secret: handing `createHmac` raw bytes makes it import the key on every
 * call, which costs several times the MAC of a small body. Keyed by the secret itself, so a rotation
 * simply uses new entries; bounded, since secrets are few.
 */
const keyCache = new Map<string, Keys>();
const KEY_CACHE_MAX = 1000;

function keysOf(secret: string): Keys {
  let keys = keyCache.get(secret);
  if (!keys) {
    keys = {
      hook: createSecretKey(Buffer.from(secret, 'utf8')),
      standard: createSecretKey(standardKey(secret)),
    };
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(secret, keys);
  }
  return keys;
}

/** `X-Hook-Signature`: lowercase hex HMAC-SHA256 of the body, keyed with the whole secret string. */
export function hookSignature(secret: string, body: Buffer): string {
  return createHmac('sha256', keysOf(secret).hook).update(body).digest('hex');
}

/** Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`. */
export function standardSignature(secret: string, id: string, timestamp: number, body: Buffer): string {
  const mac = createHmac('sha256', keysOf(secret).standard)
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The headers that sign one attempt (docs/webhooks.md): both schemes, with every secret currently signing
 * (during a rotation the new one first, then the old one, space-separated). Never `X-Hook-Secret`:
 * receivers take that header for the registration handshake (docs/conventions.md).
 */
export function signDelivery(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: Buffer,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-hook-signature': secrets.map((s) => hookSignature(s, body)).join(' '),
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => standardSignature(s, id, timestamp, body)).join(' '),
  };
}
