import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the server whose current connections can be frozen: bytes stop flowing
 * both ways but nothing closes, as on a dead network path. Connections opened later flow normally.
 */
export interface FreezableProxy {
  url: string;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function freezableProxy(upstreamPort: string | number): Promise<FreezableProxy> {
  const pairs: Array<{ client: Socket; upstream: Socket; frozen: boolean }> = [];
  const server = createServer((client) => {
    const upstream = connect(Number(upstreamPort), '127.0.0.1');
    const pair = { client, upstream, frozen: false };
    pairs.push(pair);
    client.on('data', (chunk) => {
      if (!pair.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.frozen) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    freeze() {
      for (const pair of pairs) pair.frozen = true;
    },
    thaw() {
      for (const pair of pairs) pair.frozen = false;
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
