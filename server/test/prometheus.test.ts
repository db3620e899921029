import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAgent, createChat, createTestApp, createUser, expectStatus } from './helpers/fixtures.ts';
import { startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';
import { PROMETHEUS, PROMETHEUS_BIN } from './helpers/suites.ts';
import { registerWebhook, WEBHOOK_ENV } from './helpers/webhooks.ts';

/**
 * `/metrics` as Prometheus itself reads it (docs/operations.md): Debian's `prometheus` scrapes a
 * running node every second, and the test asks Prometheus's HTTP API for what it stored.
 */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface PromVector {
  metric: Record<string, string>;
  value: [number, string];
}

describe('Prometheus scrapes a node', { skip: PROMETHEUS.using ? false : PROMETHEUS.missing }, () => {
  let server: TestServer;
  let receiver: Receiver;
  let prometheus: ChildProcess | undefined;
  let api: string;
  let dir: string;
  const output: string[] = [];
  // Whatever happens (a failed assertion, a crash of this process), Prometheus does not outlive the test.
  const kill = () => prometheus?.kill('SIGKILL');

  async function query(expr: string): Promise<PromVector[]> {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data: { resultType: string; result: PromVector[] } };
    assert.equal(body.status, 'success', JSON.stringify(body));
    assert.equal(body.data.resultType, 'vector');
    return body.data.result;
  }

  /** The value of a query's single series, once Prometheus has scraped what makes `ok` true. */
  async function scalarOnce(expr: string, ok: (value: number) => boolean): Promise<number> {
    return waitFor(
      async () => {
        const [first] = await query(expr);
        const value = first ? Number(first.value[1]) : undefined;
        return value !== undefined && ok(value) ? value : undefined;
      },
      20_000,
      `Prometheus to hold ${expr}`,
    );
  }

  before(async () => {
    process.once('exit', kill);
    receiver = await startReceiver();
    server = await startServer('sqlite', { ...WEBHOOK_ENV, SWITCHBOARD_METRICS_PORT: '0' });
    await server.sb.listen();
    const target = new URL(server.sb.metrics.url()!);
    dir = mkdtempSync(join(tmpdir(), 'switchboard-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    // The alert rules exactly as docs/operations.md gives them.
    const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const rules = /```yaml\n(groups:[\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(rules, 'docs/operations.md has its alert rules');
    writeFileSync(join(dir, 'rules.yml'), rules);
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        `rule_files: ['${join(dir, 'rules.yml')}']`,
        'scrape_configs:',
        '  - job_name: switchboard',
        `    metrics_path: ${target.pathname}`,
        '    static_configs:',
        `      - targets: ['${target.host}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    prometheus.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    try {
      await waitFor(
        async () => {
          const res = await fetch(`${api}/api/v1/targets`).catch(() => undefined);
          if (!res?.ok) return false;
          const body = (await res.json()) as { data: { activeTargets: Array<{ health: string }> } };
          return body.data.activeTargets.some((t) => t.health === 'up');
        },
        30_000,
        'the node to be an up target of Prometheus',
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${output.join('').slice(-2000)}`);
    }
  });

  after(async () => {
    const running = prometheus;
    if (running && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      const hard = setTimeout(() => running.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(hard);
    }
    process.off('exit', kill);
    await server?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores the counts of a chat, its messages and a webhook delivery, queried through its API', async () => {
    const app = await createTestApp(server);
    await createAgent(server, app, { rooms: [1] });
    await registerWebhook(server, app, receiver.url, ['messages:new']);
    const user = await createUser(server, app);
    const chat = await createChat(server, app, user, { room: 1 });
    for (const message of ['one', 'two', 'three']) {
      await expectStatus(server, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
        headers: app.as(user.token),
        body: { message },
      });
    }
    await waitFor(async () => receiver.deliveries().length >= 3, 10_000, 'three webhook deliveries');

    assert.equal(await scalarOnce('switchboard_messages_total', (v) => v >= 3), 3);
    assert.equal(await scalarOnce('switchboard_chats_waiting{room="1"}', (v) => v >= 1), 1);
    assert.ok((await scalarOnce('switchboard_agents_online{room="1"}', (v) => v >= 1)) >= 1);
    const delivered = await scalarOnce(
      'switchboard_webhook_attempts_total{result="delivered"}',
      (v) => v >= 3,
    );
    assert.ok(delivered >= 3);
    const posts = await scalarOnce(
      'sum(switchboard_http_request_duration_seconds_count{method="POST",route="/v1/chats/:id/messages",status="201"})',
      (v) => v >= 3,
    );
    assert.equal(posts, 3);
    // Prometheus read the node's own labels: the job and the target it scraped.
    const [series] = await query('switchboard_store_up');
    assert.equal(series?.metric.job, 'switchboard');
    assert.equal(series?.value[1], '1');
  });

  it("loads docs/operations.md's alert rules and evaluates them without error", async () => {
    const names = await waitFor(
      async () => {
        const res = await fetch(`${api}/api/v1/rules`);
        const body = (await res.json()) as {
          data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
        };
        const all = body.data.groups.flatMap((g) => g.rules);
        for (const rule of all) assert.notEqual(rule.health, 'err', `${rule.name}: ${rule.lastError}`);
        return all.length === 3 && all.every((r) => r.health === 'ok') ? all.map((r) => r.name) : undefined;
      },
      20_000,
      'the rules evaluated',
    );
    assert.deepEqual(names.sort(), [
      'SwitchboardChatWaitingTooLong',
      'SwitchboardHttpErrors',
      'SwitchboardWebhookBacklogGrowing',
    ]);
  });
});
