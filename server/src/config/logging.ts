import type { LogLevel } from './config.ts';

/** What Fastify's `logger` option gets: JSON lines, or the same records through pino-pretty. */
export interface LoggerOptions {
  level: LogLevel;
  transport?: { target: 'pino-pretty'; options: PrettyOptions };
  hooks?: { logMethod: LogMethodHook };
}

interface PrettyOptions {
  colorize: boolean;
  translateTime: string;
  ignore: string;
}

type LogMethod = (...args: unknown[]) => void;
type LogMethodHook = (this: unknown, args: unknown[], method: LogMethod) => void;

/** The record Fastify logs when a reply is sent (`{ res: reply, responseTime }`). */
interface Completed {
  res: { statusCode: number; request: { method: string; url: string } };
  responseTime: number;
  [key: string]: unknown;
}

function isCompleted(record: unknown): record is Completed {
  const res = (record as { res?: { request?: unknown } } | null)?.res;
  return (
    typeof res?.request === 'object' &&
    typeof (record as { responseTime?: unknown }).responseTime === 'number'
  );
}

/**
 * At a terminal, a request is one line: Fastify's "incoming request" record is dropped, and its
 * "request completed" record says what was asked and answered (`GET /v1/chats → 200 (3.1 ms)`).
 * Errors keep their `err`, which pino-pretty prints below the line.
 */
const oneLinePerRequest: LogMethodHook = function (this: unknown, args, method) {
  const [record, message] = args;
  if (message === 'incoming request') return;
  if ((message === 'request completed' || message === 'request errored') && isCompleted(record)) {
    const { res, responseTime, ...rest } = record;
    const line = `${res.request.method} ${res.request.url} → ${res.statusCode} (${responseTime.toFixed(1)} ms)`;
    method.apply(this, [rest, message === 'request errored' ? `${line} errored` : line]);
    return;
  }
  method.apply(this, args);
};

/**
 * JSON lines for machines (a file, a pipe, a log collector); pino's pretty output, one line per
 * request, for a person at a terminal. The pretty printer runs as a pino transport, on a thread of
 * its own, so a request costs what it costs with JSON. `NO_COLOR` (no-color.org) turns colours off.
 */
export function loggerOptions(
  level: LogLevel,
  tty: boolean,
  env: NodeJS.ProcessEnv = process.env,
): LoggerOptions {
  if (!tty) return { level };
  return {
    level,
    hooks: { logMethod: oneLinePerRequest },
    transport: {
      target: 'pino-pretty',
      options: {
        // The transport's thread has no terminal of its own to detect colours on: say it here.
        colorize: env.NO_COLOR === undefined,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,reqId',
      },
    },
  };
}
