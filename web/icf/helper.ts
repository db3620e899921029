import type { IcfChat } from './chat.ts';
import { settle } from './errors.ts';
import type { Lobby } from './lobby.ts';

/** A file as a media message carries it (`message.message` of a `media` message). */
interface MediaFile {
  id?: string;
  url?: string;
  name?: string;
  type?: string;
}

function save(bytes: Uint8Array<ArrayBuffer> | string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** `ICF.Helper` (docs/icf.md). */
export class Helper {
  readonly #lobby: Lobby;

  constructor(lobby: Lobby) {
    this.#lobby = lobby;
  }

  /**
   * Watches a text input every `interval` ms: a change tells the chat's agents the user is writing
   * (`users:activity` `writing`), `maxNoChange` checks without one (or an emptied input) that they
   * stopped (`not-writing`). Stops when the chat closes; returns a function that stops it (ext).
   */
  monitorUserActivity(
    input: HTMLInputElement | HTMLTextAreaElement,
    chat: IcfChat,
    interval = 2000,
    maxNoChange = 5,
  ): () => void {
    let last = input.value;
    let still = 0;
    let writing = false;
    const tell = (type: 'writing' | 'not-writing') => {
      writing = type === 'writing';
      chat.activity(type).catch(() => {});
    };
    const timer = setInterval(() => {
      if (chat.closed) return stop();
      const value = input.value;
      if (value !== last) {
        last = value;
        still = 0;
        if (value === '') {
          if (writing) tell('not-writing');
        } else if (!writing) tell('writing');
        return;
      }
      if (writing && ++still >= maxNoChange) tell('not-writing');
    }, interval);
    const stop = () => clearInterval(timer);
    return stop;
  }

  /** Downloads a media file of a chat (`GET /media/{id}` with the user's token) as a file. */
  downloadMedia(file: MediaFile): Promise<void> {
    return settle(async () => {
      const id = file.id ?? /\/media\/([^/?#]+)/.exec(file.url ?? '')?.[1];
      if (!id) throw new Error('downloadMedia needs a media file ({id} or {url: "/media/<id>"})');
      const bytes = await this.#lobby.signed.client.media.download(decodeURIComponent(id));
      save(bytes as Uint8Array<ArrayBuffer>, file.name ?? id, file.type ?? 'application/octet-stream');
    });
  }

  /**
   * Downloads a chat's transcript (`GET /chats/{id}/history?format=csv`), with `options.token` when
   * given (a session kept from before the chat closed) else the current one, as
   * `conversation-<chatId>.csv` (`props.fileName` overrides the name).
   */
  downloadConversation(
    chatId: string,
    props: { fileName?: string } = {},
    options: { token?: string } = {},
  ): Promise<void> {
    return settle(async () => {
      const client = options.token ? this.#lobby.clientWithToken(options.token) : this.#lobby.signed.client;
      const csv = await client.chats.historyCsv(chatId);
      save(csv, props.fileName ?? `conversation-${chatId}.csv`, 'text/csv;charset=utf-8');
    });
  }
}
