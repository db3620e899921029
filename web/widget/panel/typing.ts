import type { Realtime } from '../../src/lib/sdk.ts';

const REFRESH_MS = 4000;
const IDLE_MS = 3000;

/**
 * The visitor's typing, reported as the server expects (docs/realtime.md): `writing` at most every 4 s
 * while keys are pressed, `not-writing` after 3 s without one or when the message is sent.
 */
export class Typist {
  private sent = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chatId: string | undefined;
  private realtime: Realtime | undefined;

  typing(chatId: string, realtime: Realtime): void {
    this.chatId = chatId;
    this.realtime = realtime;
    const now = Date.now();
    if (now - this.sent > REFRESH_MS) {
      this.sent = now;
      realtime.request('users:activity', { chatId, type: 'writing' }).catch(() => undefined);
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop(), IDLE_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
    if (this.sent === 0 || !this.chatId || !this.realtime) return;
    this.sent = 0;
    this.realtime
      .request('users:activity', { chatId: this.chatId, type: 'not-writing' })
      .catch(() => undefined);
  }
}
