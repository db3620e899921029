import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

/**
 * CPU profiles of the server under test, of the measured phase only: the server runs with
 * `--inspect=127.0.0.1:<port>` and the harness drives the V8 profiler over the inspector protocol.
 * The files open in Chrome DevTools or with `node bench/src/tools/profile-summary.ts`.
 */
export class Profiler {
  private ws: WebSocket | undefined;
  private next = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private readonly inspectPort: number;
  private readonly dir: string;

  constructor(inspectPort: number, dir: string) {
    this.inspectPort = inspectPort;
    this.dir = dir;
  }

  private async connect(): Promise<WebSocket> {
    if (this.ws) return this.ws;
    const list = (await (await fetch(`http://127.0.0.1:${this.inspectPort}/json/list`)).json()) as Array<{
      webSocketDebuggerUrl: string;
    }>;
    const ws = new WebSocket(list[0]!.webSocketDebuggerUrl, {
      perMessageDeflate: false,
      maxPayload: 1 << 30,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { id?: number; result?: unknown };
      if (message.id !== undefined) {
        this.pending.get(message.id)?.(message.result);
        this.pending.delete(message.id);
      }
    });
    this.ws = ws;
    return ws;
  }

  private async send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const ws = await this.connect();
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: 500 });
    await this.send('Profiler.start');
  }

  /** Stops profiling and writes `<name>.cpuprofile`; returns the file. */
  async stop(name: string): Promise<string> {
    const { profile } = (await this.send('Profiler.stop')) as { profile: unknown };
    const file = join(this.dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  }

  close(): void {
    this.ws?.close();
  }
}
