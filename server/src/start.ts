import type { Config } from './config/config.ts';
import { loggerOptions } from './config/logging.ts';
import { buildSwitchboard, type Switchboard, VERSION } from './server.ts';

export interface StartOptions {
  /** Where the start banner goes (default: stdout). */
  out?: NodeJS.WritableStream;
  /** Stop cleanly on SIGTERM and SIGINT, then exit the process (default: true). */
  handleSignals?: boolean;
}

export interface StartedServer {
  node: Switchboard;
  /** The base URL it listens on. */
  url: string;
}

/**
 * `npm start` and `switchboard start`: builds a node from the configuration, listens, prints where
 * everything is (and the demo's credentials on a first start), and stops cleanly on a signal.
 * A configuration the node refuses while being built (the webhook allowlist) throws ConfigError.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<StartedServer> {
  const out = options.out ?? process.stdout;
  const node = await buildSwitchboard({
    config,
    logger: loggerOptions(config.logLevel, process.stdout.isTTY === true),
  });
  const url = await node.listen();
  const { firstStart } = node;
  const heading = `Switchboard ${VERSION} listening on ${url} (role: ${config.role}, store: ${node.store.dialect}, bus: ${node.bus.kind})`;
  if (config.role === 'worker') {
    // A worker serves no clients: say what it runs and where to check it is alive.
    out.write(
      `${heading}\n  Runs webhook delivery, durable timers and retention; serves only ${url}/v1/health\n`,
    );
  }
  const lines = [
    heading,
    `  API:  ${url}/v1`,
    `  Docs: ${url}/docs`,
    `  Agent console: ${url}/console/   Admin: ${url}/admin/`,
  ];
  const metricsUrl = node.metrics.url();
  if (metricsUrl) lines.push(`  Metrics (Prometheus, not public): ${metricsUrl}`);
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
  if (config.role !== 'worker') out.write(`${lines.join('\n')}\n`);

  if (options.handleSignals !== false) {
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
  return { node, url };
}
