import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_DIR = join(BENCH_DIR, '..');
const LEASH = join(BENCH_DIR, 'src', 'lib', 'leash.ts');

const children = new Set<ChildProcess>();

/** Every process the harness started is killed when it exits, whatever the reason. */
function killAll(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

let limits: { soft: number; hard: number } | undefined;
/** The open-file limits of this shell (`ulimit -Sn`, `ulimit -Hn`). */
export function fileLimits(): { soft: number; hard: number } {
  if (!limits) {
    const out = execFileSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n');
    const parse = (s: string | undefined) => (s === 'unlimited' ? 1_048_576 : Number(s));
    limits = { soft: parse(out[0]), hard: parse(out[1]) };
  }
  return limits;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  cwd?: string;
  /** Seconds after which the process stops by itself. */
  maxSeconds?: number;
  /** Print the child's stderr (and stdout) as it comes. */
  verbose?: boolean;
}

export interface Child {
  process: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node <script>` with an IPC channel, the open-file limit raised to the hard limit and the
 * leash preloaded. Runs through `sh -c ulimit … exec`, so the pid is node's own.
 */
export function spawnNode(script: string, args: string[], options: SpawnOptions = {}): Child {
  const { hard } = fileLimits();
  const flags = ['--import', LEASH, ...(options.nodeFlags ?? [])];
  const child = spawn(
    'sh',
    [
      '-c',
      'ulimit -Sn "$1" 2>/dev/null; shift; exec "$@"',
      'sh',
      String(hard),
      process.execPath,
      ...flags,
      script,
      ...args,
    ],
    {
      cwd: options.cwd ?? REPO_DIR,
      env: { ...process.env, BENCH_MAX_SECONDS: String(options.maxSeconds ?? 900), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    },
  );
  children.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    if (output.length < 200_000) output += text;
    if (options.verbose) process.stderr.write(text);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return {
    process: child,
    pid: child.pid!,
    output: () => output,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface RpcReply {
  rpc: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** A load generator or baseline in its own process, driven by calls over IPC. */
export interface Worker extends Child {
  call<T = unknown>(command: string, args?: unknown): Promise<T>;
}

export function startWorker(script: string, options: SpawnOptions = {}): Worker {
  const child = spawnNode(script, [], options);
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.process.on('message', (message: RpcReply) => {
    const waiter = pending.get(message.rpc);
    if (!waiter) return;
    pending.delete(message.rpc);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(message.error));
  });
  void child.exited.then((code) => {
    for (const waiter of pending.values())
      waiter.reject(new Error(`${script} exited (${code}): ${child.output().slice(-2000)}`));
    pending.clear();
  });
  return {
    ...child,
    call<T>(command: string, args?: unknown): Promise<T> {
      const rpc = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(rpc, { resolve: resolve as (v: unknown) => void, reject });
        child.process.send({ rpc, command, args });
      });
    },
  };
}

/** The worker side: answers the harness's calls with `handlers`. */
export function serveCalls(handlers: Record<string, (args: never) => unknown>): void {
  // The leash unrefs the channel; a worker lives for its calls, until the harness disconnects.
  process.channel?.ref();
  process.on('message', async (message: { rpc: number; command: string; args: unknown }) => {
    const handler = handlers[message.command];
    try {
      if (!handler) throw new Error(`unknown command ${message.command}`);
      const value = await handler(message.args as never);
      process.send!({ rpc: message.rpc, ok: true, value });
    } catch (error) {
      process.send!({
        rpc: message.rpc,
        ok: false,
        error: error instanceof Error ? error.stack : String(error),
      });
    }
  });
}

/** Resident memory of a process, in bytes (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU seconds (user + system) a process has used so far (Linux). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 200, or fails after `ms`. */
export async function waitHttp(url: string, child: Child, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`process exited before ${url} answered:\n${child.output().slice(-3000)}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer in ${ms} ms:\n${child.output().slice(-3000)}`);
    await sleep(100);
  }
}
