import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The metrics port: `GET /metrics` and nothing else, on a server of its own (never the public
 * port, whose clients must not read the instance's figures; docs/operations.md).
 */
export interface Exporter {
  /** Listens; resolves to the URL of /metrics. */
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

export function createExporter(
  render: () => Promise<{ contentType: string; body: string }>,
  onError: (error: unknown) => void,
): Exporter {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== '/metrics') {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Not found: see /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    render().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        onError(error);
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics failed\n');
      },
    );
  });
  // A scraper keeps its connection alive between scrapes; closing must not wait for it.
  server.keepAliveTimeout = 30_000;
  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}/metrics`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
