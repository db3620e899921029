/**
 * A webhook receiver, in its own process: a keep-alive HTTP server that answers the registration
 * handshake (echoing X-Hook-Secret) and takes deliveries with an empty 200. For each path it counts
 * deliveries, notes the first and last arrival, and for the first attempt of each event the latency
 * from the stamp the load generator put in the message (`t=<ms>`, the machine-wide clock).
 */
import { createServer } from 'node:http';
import { serveCalls } from '../lib/proc.ts';
import { Samples, summarize, wallNow } from '../lib/stats.ts';

interface PathStats {
  count: number;
  duplicates: number;
  unsigned: number;
  first: number;
  last: number;
  seen: Set<string>;
  latency: Samples;
  stamps: Samples;
  arrivals: Samples;
}

let paths = new Map<string, PathStats>();
let handshakes = 0;

function statsFor(path: string): PathStats {
  let stats = paths.get(path);
  if (!stats) {
    stats = {
      count: 0,
      duplicates: 0,
      unsigned: 0,
      first: 0,
      last: 0,
      seen: new Set(),
      latency: new Samples(),
      stamps: new Samples(),
      arrivals: new Samples(),
    };
    paths.set(path, stats);
  }
  return stats;
}

const STAMP = /t=(\d+\.\d+)/;

const server = createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const secret = request.headers['x-hook-secret'];
    if (typeof secret === 'string') {
      handshakes++;
      response.writeHead(200, { 'x-hook-secret': secret, 'content-type': 'application/json' });
      response.end('{}');
      return;
    }
    const now = wallNow();
    const stats = statsFor(request.url ?? '/');
    stats.count++;
    if (stats.first === 0) stats.first = now;
    stats.last = now;
    stats.arrivals.push(now);
    const id = request.headers['webhook-id'];
    if (request.url !== '/bare' && !request.headers['x-hook-signature']) stats.unsigned++;
    let first = true;
    if (typeof id === 'string') {
      if (stats.seen.has(id)) {
        stats.duplicates++;
        first = false;
      } else stats.seen.add(id);
    }
    if (first) {
      const match = STAMP.exec(Buffer.concat(chunks).toString());
      if (match) {
        stats.stamps.push(Number(match[1]));
        stats.latency.push(now - Number(match[1]));
      }
    }
    response.writeHead(200);
    response.end();
  });
});

serveCalls({
  listen: () =>
    new Promise<number>((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    }),
  reset() {
    paths = new Map();
    handshakes = 0;
    return true;
  },
  /** Deliveries so far on the paths that start with `prefix`. */
  count({ prefix }: { prefix: string }) {
    let count = 0;
    let last = 0;
    for (const [path, stats] of paths)
      if (path.startsWith(prefix)) {
        count += stats.count;
        last = Math.max(last, stats.last);
      }
    return { count, last };
  },
  /**
   * Totals over the paths that start with `prefix`; `after` splits the arrivals at a time; latency
   * only of events stamped at or after `stampFrom` (the end of a warm-up).
   */
  stats({ prefix, after, stampFrom = 0 }: { prefix: string; after?: number; stampFrom?: number }) {
    let count = 0;
    let duplicates = 0;
    let unsigned = 0;
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    let afterCount = 0;
    const latencies: number[] = [];
    for (const [path, stats] of paths) {
      if (!path.startsWith(prefix)) continue;
      count += stats.count;
      duplicates += stats.duplicates;
      unsigned += stats.unsigned;
      first = Math.min(first, stats.first);
      last = Math.max(last, stats.last);
      for (const t of stats.arrivals.values()) if (after !== undefined && t > after) afterCount++;
      const stamps = stats.stamps.values();
      stats.latency.values().forEach((l, i) => {
        if (stamps[i]! >= stampFrom) latencies.push(l);
      });
    }
    return {
      count,
      duplicates,
      unsigned,
      first,
      last,
      afterCount,
      handshakes,
      latency: summarize(latencies),
    };
  },
});
