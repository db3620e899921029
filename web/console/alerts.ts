import { Chime } from '../src/lib/sound.ts';

const BASE_TITLE = 'Switchboard — Agent console';
/** How often the chime repeats while an invitation waits for the agent. */
const RING_EVERY_MS = 3000;

/**
 * The tab title badge and the repeating sound: both last exactly as long as something waits for the
 * agent (an invitation rings; unread messages only badge).
 */
export class Alerts {
  #ring: ReturnType<typeof setInterval> | undefined;
  #invitations = 0;
  readonly #chime = new Chime();

  show(invitations: number, unread: number): void {
    if (invitations > 0) {
      document.title = `(${invitations}) New chat — ${BASE_TITLE}`;
    } else if (unread > 0) {
      document.title = `(${unread}) ${BASE_TITLE}`;
    } else {
      document.title = BASE_TITLE;
    }
    if (invitations > this.#invitations) this.#chime.play();
    if (invitations > 0 && !this.#ring) this.#ring = setInterval(() => this.#chime.play(), RING_EVERY_MS);
    if (invitations === 0) this.#silence();
    this.#invitations = invitations;
  }

  stop(): void {
    this.#silence();
    document.title = BASE_TITLE;
  }

  #silence(): void {
    clearInterval(this.#ring);
    this.#ring = undefined;
  }
}
