import { type Config, ConfigError, loadConfig } from './config/config.ts';
import { buildSwitchboard, VERSION } from './server.ts';

/** `npm start`: one Switchboard node with the configuration of the environment and flags. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(`switchboard: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let node: Awaited<ReturnType<typeof buildSwitchboard>>;
  try {
    node = await buildSwitchboard({ config });
  } catch (error) {
    // Some settings (the webhook allowlist) are only checked when the node is built.
    if (error instanceof ConfigError) {
      process.stderr.write(`switchboard: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const url = await node.listen();
  const { firstStart } = node;
  const heading = `Switchboard ${VERSION} listening on ${url} (role: ${config.role}, store: ${node.store.dialect}, bus: ${node.bus.kind})`;
  if (config.role === 'worker') {
    // A worker serves no clients: say what it runs and where to check it is alive.
    process.stdout.write(
      `${heading}\n  Runs webhook delivery, durable timers and retention; serves only ${url}/v1/health\n`,
    );
  }
  const lines = [
    heading,
    `  API:  ${url}/v1`,
    `  Docs: ${url}/docs`,
    `  Agent console: ${url}/console/   Admin: ${url}/admin/`,
  ];
  if (firstStart.adminKeyGenerated || firstStart.demo) {
    lines.push(`  Admin key (x-hyper-admin): ${node.adminKey}`);
  }
  if (firstStart.demo) {
    lines.push(
      '  Demo app created:',
      `    appId (x-hyper-appid):      ${firstStart.demo.appId}`,
      `    secret (x-hyper-secret):    ${firstStart.demo.secret}`,
      `    domain key (x-hyper-key):   ${firstStart.demo.domainKey}`,
      `    demo agent (console):       ${firstStart.demo.agent.contact}  password ${firstStart.demo.agent.password}`,
    );
  }
  lines.push(`  Demo: ${url}/demo/  (be a visitor there, and an agent in another tab at ${url}/console/)`);
  if (config.role !== 'worker') process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    node.http.log.info({ signal }, 'shutting down');
    node.close().then(
      () => process.exit(0),
      (error: unknown) => {
        node.http.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
