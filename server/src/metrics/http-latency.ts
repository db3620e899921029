import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

/**
 * HTTP latency of the public port by route pattern (Fastify's `routeOptions.url`, e.g.
 * `/v1/chats/:id/messages`), method and status — never the raw URL, so the label values are bounded
 * by the routes. A request that matched no route is `route="unmatched"`.
 */
export function meterHttp(http: FastifyInstance, registry: Registry): void {
  const histogram = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP requests of the public port: from arrival to the response sent, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // One child per (method, route, status), found by one string key: no label hashing per request.
  const children = new Map<string, ReturnType<typeof histogram.labels>>();
  http.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (child === undefined) {
      child = histogram.labels(request.method, route, String(reply.statusCode));
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
}
