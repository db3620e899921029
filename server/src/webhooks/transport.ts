import { performance } from 'node:perf_hooks';
import { type Agent, request } from 'undici';

/** What one POST to a target came to, as the attempt log keeps it (docs/webhooks.md). */
export interface PostResult {
  /** HTTP status, or null when no answer came (refused, unreachable, timed out). */
  status: number | null;
  headers: Record<string, string>;
  /** The first 4 KB of the response body, as text. */
  response: string;
  /** Milliseconds from sending to the end of the answer (or the error). */
  duration: number;
  error: string | null;
}

export const RESPONSE_LOG_BYTES = 4096;
/** Beyond this much body the connection is dropped instead of drained for reuse. */
const DRAIN_LIMIT = 64 * 1024;

function flatHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  let text = error.message || error.name;
  if (typeof code === 'string' && !text.includes(code) && code.startsWith('E')) text = `${code}: ${text}`;
  if (cause instanceof Error && cause.message && !text.includes(cause.message)) text += ` (${cause.message})`;
  return text;
}

/**
 * POSTs `body` to `target` through `agent` (whose connections obey the address rules), waiting at most
 * `timeoutMs` for the whole answer. Redirects are never followed: a 3xx is just a status. Never throws.
 */
export async function postOnce(
  agent: Agent,
  target: string,
  body: Buffer,
  headers: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<PostResult> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`timed out after ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  const onOuterAbort = () => controller.abort(signal?.reason ?? new Error('aborted'));
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await request(target, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'user-agent': 'Switchboard-Webhooks/1', ...headers },
      body,
      signal: controller.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const chunks: Buffer[] = [];
    let kept = 0;
    let read = 0;
    try {
      for await (const chunk of res.body) {
        const bytes = chunk as Buffer;
        read += bytes.length;
        if (kept < RESPONSE_LOG_BYTES) {
          const part = bytes.subarray(0, RESPONSE_LOG_BYTES - kept);
          chunks.push(part);
          kept += part.length;
        }
        if (read > DRAIN_LIMIT) {
          res.body.destroy();
          break;
        }
      }
    } catch (error) {
      // The status came; a body cut short is worth noting but does not change it.
      return {
        status: res.statusCode,
        headers: flatHeaders(res.headers),
        response: Buffer.concat(chunks).toString('utf8'),
        duration: elapsed(),
        error: `reading the answer failed: ${describe(controller.signal.reason ?? error)}`,
      };
    }
    return {
      status: res.statusCode,
      headers: flatHeaders(res.headers),
      response: Buffer.concat(chunks).toString('utf8'),
      duration: elapsed(),
      error: null,
    };
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    return { status: null, headers: {}, response: '', duration: elapsed(), error: describe(reason) };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onOuterAbort);
  }
}
