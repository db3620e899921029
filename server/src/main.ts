import { type Config, ConfigError, loadConfig } from './config/config.ts';
import { startServer } from './start.ts';

/** Configuration mistakes end the process with one line and exit code 2, not a stack trace. */
function refuse(error: unknown): never {
  if (error instanceof ConfigError || (error instanceof TypeError && 'code' in error)) {
    process.stderr.write(`switchboard: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

/** `npm start`: one Switchboard node with the configuration of the environment and flags. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    refuse(error);
  }
  try {
    await startServer(config);
  } catch (error) {
    // Some settings (the webhook allowlist) are only checked when the node is built.
    if (error instanceof ConfigError) refuse(error);
    throw error;
  }
}

await main();
