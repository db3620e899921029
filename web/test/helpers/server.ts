/**
 * A real Switchboard for browser tests: the server's own test harness (a fresh SQLite directory or
 * PostgreSQL schema), listening on 127.0.0.1 port 0 so the browser reaches it over real HTTP and sockets.
 */
import { type StoreKind, startServer, type TestServer } from '../../../server/test/helpers/harness.ts';

export {
  createAgent,
  createTestApp,
  createUser,
  type Person,
  type TestApp,
} from '../../../server/test/helpers/fixtures.ts';
export {
  describeEachStore,
  type StoreKind,
  storeKinds,
  waitFor,
} from '../../../server/test/helpers/harness.ts';

export interface WebServer extends TestServer {
  /** http://127.0.0.1:<port> */
  url: string;
}

export async function startWebServer(kind: StoreKind, env: Record<string, string> = {}): Promise<WebServer> {
  const server = await startServer(kind, env);
  const url = await server.sb.listen();
  return Object.assign(server, { url });
}
