/**
 * The ingest hot path in-process, without sockets or a load generator: POST /v1/chats/{id}/messages
 * through Fastify's inject (auth, validation, command, store, serialization), one at a time, timed in
 * rounds; the best round is reported, which is what stays steady on a machine shared with other work.
 * For before/after figures of a server change:
 *   node bench/src/tools/hotpath.ts [--server DIR] [--rounds 7] [--per-round 2000] [--concurrency 1]
 * `--concurrency N` keeps N requests in flight (as N clients would), which lets the embedded store
 * group their commits.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { REPO_DIR } from '../lib/proc.ts';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: join(REPO_DIR, 'server') },
    rounds: { type: 'string', default: '7' },
    'per-round': { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '1' },
    'database-url': { type: 'string' },
  },
});
const serverDir = resolve(values.server);
type ServerEntry = typeof import('@switchboard/server');
/**
 * The server's public entry (src/index.ts); older checkouts, benchmarked before/after, have none:
 * their config module (src/config.ts before the layout of issue 14) and composition root instead.
 */
async function serverEntry(): Promise<Pick<ServerEntry, 'loadConfig' | 'buildServer'>> {
  const entry = join(serverDir, 'src', 'index.ts');
  if (existsSync(entry)) return (await import(entry)) as ServerEntry;
  const configFile = join(serverDir, 'src', 'config', 'config.ts');
  const { loadConfig } = (await import(
    existsSync(configFile) ? configFile : join(serverDir, 'src', 'config.ts')
  )) as ServerEntry;
  const { buildSwitchboard } = (await import(join(serverDir, 'src', 'server.ts'))) as {
    buildSwitchboard: ServerEntry['buildServer'];
  };
  return { loadConfig, buildServer: buildSwitchboard };
}
const { loadConfig, buildServer } = await serverEntry();

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-hotpath-'));
const config = loadConfig([], {
  SWITCHBOARD_DATA_DIR: dataDir,
  SWITCHBOARD_ADMIN_KEY: 'adm_hotpath',
  SWITCHBOARD_PORT: '0',
  SWITCHBOARD_LOG_LEVEL: 'error',
  // Throughput runs: the per-app rate caps (docs/limits.md) are off.
  SWITCHBOARD_MAX_MESSAGES_PER_SECOND: '0',
  SWITCHBOARD_MAX_USERS_PER_MINUTE: '0',
  SWITCHBOARD_MAX_UPLOADS_PER_MINUTE: '0',
  SWITCHBOARD_MAX_TRANSFER_BYTES_PER_SECOND: '0',
  ...(values['database-url'] ? { DATABASE_URL: values['database-url'] } : {}),
});
// On PostgreSQL, a schema of its own, dropped at the end.
const schema = values['database-url'] ? `hotpath_${process.pid}` : undefined;
const sb = await buildServer({ config, logger: false, ...(schema ? { store: { schema } } : {}) });
try {
  const call = async (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    headers: Record<string, string>,
    body?: unknown,
  ) => {
    const response = await sb.http.inject({
      method,
      url,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    if (response.statusCode >= 300)
      throw new Error(`${method} ${url} → ${response.statusCode} ${response.body}`);
    return response.json() as Record<string, unknown>;
  };
  const created = await call('POST', '/v1/apps', { 'x-hyper-admin': 'adm_hotpath' }, { name: 'hotpath' });
  const appId = (created.app as { id: string }).id;
  const secret = created.secret as string;
  await call(
    'PUT',
    '/v1/settings',
    { 'x-hyper-appid': appId, 'x-hyper-secret': secret },
    { assign: { onCreate: false } },
  );
  const targets: Array<{ url: string; headers: Record<string, string> }> = [];
  for (let i = 0; i < 20; i++) {
    const user = await call(
      'POST',
      '/v1/users',
      { 'x-hyper-appid': appId, 'x-hyper-secret': secret },
      { name: `u${i}` },
    );
    const headers = { 'x-hyper-appid': appId, 'x-hyper-token': (user.session as { token: string }).token };
    const chat = await call('POST', '/v1/chats', headers, {});
    targets.push({ url: `/v1/chats/${(chat.chat as { id: string }).id}/messages`, headers });
  }
  const body = {
    message: 'Hello! I ordered a blue kettle last week and it has not arrived yet; could you check?',
  };
  const perRound = Number(values['per-round']);
  const rounds: number[] = [];
  for (let r = 0; r < Number(values.rounds) + 1; r++) {
    const t0 = process.cpuUsage();
    const w0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < perRound) {
        const target = targets[next++ % targets.length]!;
        await call('POST', target.url, target.headers, body);
      }
    };
    await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
    const cpu = process.cpuUsage(t0);
    const wall = performance.now() - w0;
    if (r > 0) rounds.push(((cpu.user + cpu.system) / perRound) * 1);
    process.stderr.write(
      `round ${r}${r === 0 ? ' (warm-up)' : ''}: ${((wall / perRound) * 1000).toFixed(0)} µs wall, ${((cpu.user + cpu.system) / perRound).toFixed(0)} µs CPU per message\n`,
    );
  }
  rounds.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      server: serverDir,
      bestCpuUsPerMessage: Math.round(rounds[0]!),
      medianCpuUsPerMessage: Math.round(rounds[Math.floor(rounds.length / 2)]!),
    }),
  );
} finally {
  await sb.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (schema) {
    const client = new pg.Client({ connectionString: values['database-url'] });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}
