import type { Client, Realtime, User } from '../src/lib/sdk.ts';

/** A signed-in end user (after `ICF.Lobby.init`): the SDK client with its token, and its socket. */
export interface Signed {
  readonly client: Client;
  readonly realtime: Realtime;
  readonly me: User;
  readonly token: string;
}

/** What a chat asks of the lobby that owns it (an interface, so chat.ts does not import lobby.ts). */
export interface ChatHost {
  readonly signed: Signed;
  /** A user by id, fetched once. */
  user(id: string): Promise<User>;
  /** The chat is open and everything up to `seq` was handed to the integration (the cookie). */
  remember(chatId: string, seq: number): void;
  /** The chat closed. */
  forget(chatId: string): void;
}

/** An event handler of the ICF API (`chat.on(name, fn)`, `ICF.Lobby.addEventListener(name, fn)`). */
export type Listener = (data: never) => void;
