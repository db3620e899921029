import { createServer } from 'node:net';
import type { WebSocketServer } from 'ws';
import { createTestApp, type TestApp } from '../../../server/test/helpers/fixtures.ts';
import { type StoreKind, startServer, type TestServer } from '../../../server/test/helpers/harness.ts';
import { type Client, createClient } from '../../src/index.ts';

export { describeEachStore, storeKinds, waitFor } from '../../../server/test/helpers/harness.ts';

/** A port nobody listens on right now (the OS's pick), so a restarted node can come back on it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A real Switchboard listening on 127.0.0.1 (a fixed free port, kept across restarts). */
export interface LiveServer {
  server: TestServer;
  url: string;
  app: TestApp;
  /** A client of `app` with its secret. */
  asApp: Client;
  admin: Client;
  client(credentials: { token?: string; secret?: string; domainKey?: string }): Client;
  /** Kills every open WebSocket on the server side (as a network cut would). */
  killSockets(): number;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startLive(kind: StoreKind, env: Record<string, string> = {}): Promise<LiveServer> {
  const port = await freePort();
  const server = await startServer(kind, { SWITCHBOARD_PORT: String(port), ...env });
  const url = await server.sb.listen();
  const app = await createTestApp(server);
  const client = (credentials: { token?: string; secret?: string; domainKey?: string }) =>
    createClient({ baseUrl: url, appId: app.id, ...credentials });
  return {
    server,
    url,
    app,
    asApp: client({ secret: app.secret }),
    admin: createClient({ baseUrl: url, adminKey: server.adminKey }),
    client,
    killSockets() {
      const wss = (server.sb.http as unknown as { websocketServer: WebSocketServer }).websocketServer;
      let killed = 0;
      for (const socket of wss.clients) {
        socket.terminate();
        killed++;
      }
      return killed;
    },
    async restart() {
      await server.restart();
      await server.sb.listen();
    },
    close: () => server.close(),
  };
}
