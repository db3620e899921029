import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WEBHOOK_ENV } from '../../server/test/helpers/webhooks.ts';
import { freePort, type LiveServer, startLive, waitFor } from './helpers/live.ts';

/**
 * The README's examples are the files in sdk/examples (the README shows them verbatim), and they run:
 * a visitor and an agent talk through a real server, and the webhook receiver verifies real deliveries.
 */
const sdk = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${sdk}README.md`, 'utf8');

interface Example {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function runExample(name: string, env: Record<string, string>): Example {
  const child = spawn(process.execPath, [`${sdk}examples/${name}.ts`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

let live: LiveServer;
before(async () => {
  live = await startLive('sqlite', WEBHOOK_ENV);
});
after(() => live.close());

it('the README shows each example file verbatim', () => {
  for (const name of ['visitor', 'agent', 'webhook-receiver']) {
    const code = readFileSync(`${sdk}examples/${name}.ts`, 'utf8').trim();
    assert.ok(readme.includes(code), `README.md shows examples/${name}.ts as it is`);
  }
});

it('a visitor and an agent chat through the examples', async () => {
  const contact = 'ada@example.com';
  const password = 'correct horse battery';
  const { agent } = await live.asApp.agents.create({ name: 'Ada', contact, password, rooms: [1] });
  const env = {
    SWITCHBOARD_URL: live.url,
    SWITCHBOARD_APP_ID: live.app.id,
    SWITCHBOARD_DOMAIN_KEY: live.app.domainKey,
    AGENT_CONTACT: contact,
    AGENT_PASSWORD: password,
  };
  const ada = runExample('agent', env);
  try {
    await waitFor(async () => live.server.sb.realtime.connectionCount() === 1, 20000, 'the agent to connect');
    const ann = runExample('visitor', env);
    try {
      await waitFor(
        async () => ann.output().includes(`${agent.id}: Hi, I am Ada. How can I help?`),
        20000,
        `the agent's answer (visitor printed: ${ann.output()})`,
      );
      assert.match(ann.output(), new RegExp(`${agent.id} joined`));
      assert.match(ann.output(), /: Hello, I need help with my order/);
      // The agent joined after the visitor's first message: it hears the chat from its join on.
      assert.match(ada.output(), new RegExp(`${agent.id}: Hi, I am Ada`));
    } finally {
      await ann.stop();
    }
  } finally {
    await ada.stop();
  }
});

it('the webhook receiver answers the handshake and verifies real deliveries', async () => {
  const port = String(await freePort());
  // Registration only needs the handshake; the secret it returns is then given to the receiver.
  let receiver = runExample('webhook-receiver', { PORT: port, SWITCHBOARD_WEBHOOK_SECRET: 'not yet' });
  try {
    const target = `http://127.0.0.1:${port}/webhooks`;
    const { secret } = await waitFor(async () =>
      live.asApp.webhooks.create({ target, events: ['chats:create'] }).catch(() => undefined),
    );
    await receiver.stop();
    receiver = runExample('webhook-receiver', { PORT: port, SWITCHBOARD_WEBHOOK_SECRET: secret });
    const { user } = await live.asApp.users.create({ name: 'Cy' });
    const { chat } = await live.asApp.chats.create({ creator: user.id });
    await waitFor(
      async () => receiver.output().includes(`chats:create {"chat":{"id":"${chat.id}"`),
      20000,
      'a delivery',
    );
  } finally {
    await receiver.stop();
  }
});
