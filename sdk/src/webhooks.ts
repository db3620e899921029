import type { WebhookEnvelope } from './events.ts';

export type { WebhookEnvelope } from './events.ts';

/**
 * `verifyWebhook` for receivers (docs/webhooks.md, "Signatures"). Standard Webhooks headers
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`) are checked when present, with the
 * timestamp within 5 minutes; otherwise `X-Hook-Signature` (hex HMAC-SHA256 of the body keyed with
 * the whole secret). WebCrypto only, so the same code runs in browsers, Node ≥ 24 and edge runtimes —
 * which is why it returns a promise.
 */

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

/** Header bags as Node (`IncomingHttpHeaders`), fetch (`Headers`) or a plain object give them. */
export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

export interface VerifyWebhookInput {
  /** The webhook's secret (`whsec_…`); during a rotation, both secrets may be given. */
  secret: string | readonly string[];
  /** The raw body exactly as received. */
  body: string | Uint8Array | ArrayBuffer;
  headers: HeaderBag;
  /** Accepted clock difference for `webhook-timestamp` (seconds, default 300). */
  toleranceSeconds?: number;
}

const encoder = new TextEncoder();

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function bytesOf(body: VerifyWebhookInput['body']): Uint8Array {
  if (typeof body === 'string') return encoder.encode(body);
  return body instanceof Uint8Array ? body : new Uint8Array(body);
}

async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    key as BufferSource,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, data as BufferSource));
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares without an early exit, so the time taken does not reveal how much matched. */
function equalConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function standardSignatureMatches(
  secrets: readonly string[],
  id: string,
  timestamp: string,
  body: Uint8Array,
  signatures: string[],
): Promise<boolean> {
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const content = new Uint8Array(prefix.length + body.length);
  content.set(prefix);
  content.set(body, prefix.length);
  for (const secret of secrets) {
    const key = fromBase64(secret.startsWith('whsec_') ? secret.slice(6) : secret);
    if (!key || key.length === 0) continue;
    const expected = base64(await hmac(key, content));
    if (signatures.some((s) => equalConstantTime(s, expected))) return true;
  }
  return false;
}

async function hookSignatureMatches(
  secrets: readonly string[],
  body: Uint8Array,
  given: string[],
): Promise<boolean> {
  for (const secret of secrets) {
    const expected = hex(await hmac(encoder.encode(secret), body));
    if (given.some((s) => equalConstantTime(s.toLowerCase(), expected))) return true;
  }
  return false;
}

/** Checks the delivery's signature and returns its parsed envelope; rejects with `WebhookVerificationError`. */
export async function verifyWebhook(input: VerifyWebhookInput): Promise<WebhookEnvelope> {
  const secrets = (typeof input.secret === 'string' ? [input.secret] : input.secret).filter(
    (s) => s.length > 0,
  );
  if (secrets.length === 0) throw new WebhookVerificationError('no secret to verify with');
  const body = bytesOf(input.body);
  const id = header(input.headers, 'webhook-id');
  const timestamp = header(input.headers, 'webhook-timestamp');
  const signature = header(input.headers, 'webhook-signature');
  if (id !== undefined || timestamp !== undefined || signature !== undefined) {
    if (!id || !timestamp || !signature) {
      throw new WebhookVerificationError(
        'incomplete Standard Webhooks headers (webhook-id, -timestamp, -signature)',
      );
    }
    if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not a number');
    const tolerance = input.toleranceSeconds ?? 300;
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > tolerance) {
      throw new WebhookVerificationError('webhook-timestamp is too old or too far in the future');
    }
    const signatures = signature
      .split(' ')
      .filter((s) => s.startsWith('v1,'))
      .map((s) => s.slice(3));
    if (!(await standardSignatureMatches(secrets, id, timestamp, body, signatures))) {
      throw new WebhookVerificationError('no matching signature in webhook-signature');
    }
  } else {
    const hook = header(input.headers, 'x-hook-signature');
    if (!hook)
      throw new WebhookVerificationError('no signature headers (webhook-signature or X-Hook-Signature)');
    if (!(await hookSignatureMatches(secrets, body, hook.split(' ').filter(Boolean)))) {
      throw new WebhookVerificationError('X-Hook-Signature does not match');
    }
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
  if (
    typeof envelope !== 'object' ||
    envelope === null ||
    typeof (envelope as { trigger?: unknown }).trigger !== 'string'
  ) {
    throw new WebhookVerificationError('the body is not a webhook envelope');
  }
  return envelope as WebhookEnvelope;
}
