/**
 * A private Redis for a scenario, in its own process (the leash stops this process when the harness
 * goes away; this process then kills its redis-server): no persistence, 127.0.0.1, a free port, so a
 * benchmark never touches a Redis that others use.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, serveCalls } from '../lib/proc.ts';

let child: ChildProcess | undefined;

function kill(): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
process.on('exit', kill);
process.on('SIGTERM', () => {
  kill();
  process.exit(0);
});

serveCalls({
  async start(): Promise<number> {
    const port = await freePort();
    const redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = redis;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 15_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      redis.stdout!.on('data', onData);
      redis.stderr!.on('data', onData);
      redis.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${output}`));
      });
      redis.once('error', reject);
    });
    return port;
  },
  stop(): void {
    kill();
  },
});
