import { type RealtimeRequestName, SwitchboardError } from '../src/lib/sdk.ts';
import type { IcfChat } from './chat.ts';
import { SessionCookie } from './cookie.ts';
import { settle } from './errors.ts';
import { Helper } from './helper.ts';
import { Lobby } from './lobby.ts';

/** `ICF.init`'s options (docs/icf.md). */
export interface InitOptions {
  appId: string;
  /** The server's host or URL (https:// when no scheme); absent: where icf.sdk.js was loaded from. */
  server?: string;
  /** With `server`: its port when `server` names none (HyperChat's default 8000 is the adapter's). */
  port?: number | string;
  /** HyperChat's hosted regions: accepted and unused (the server is `server` or the script's origin). */
  region?: string;
  /** ext: the app's domain key (apps with `auth.requireDomainKey`). */
  domainKey?: string;
  /** The cookie's `Domain` attribute (a string; `true`/absent: the page's host only). */
  setCookieOnDomain?: string | boolean;
}

/** The server origin `ICF.init` talks to. */
export function serverOrigin(scriptOrigin: string, options: Pick<InitOptions, 'server' | 'port'>): string {
  if (!options.server) return scriptOrigin;
  const url = new URL(/^https?:\/\//i.test(options.server) ? options.server : `https://${options.server}`);
  if (options.port !== undefined && options.port !== null && options.port !== '' && !url.port) {
    url.port = String(options.port);
  }
  return url.origin;
}

/**
 * `window.ICF`: HyperChat's browser SDK on Switchboard (docs/icf.md). Every call goes through
 * `@switchboard/sdk` (typed REST, realtime with resume); a failed call rejects with the error body.
 */
export class Icf {
  isInit = false;
  readonly Lobby = new Lobby();
  readonly Helper = new Helper(this.Lobby);
  readonly Chat = {
    /** `options.id`: that chat of the user; else a new chat (`POST /chats`: room, lang, source, history, …). */
    init: (options?: Record<string, unknown>): Promise<IcfChat> => this.Lobby.openChat(options),
  };
  readonly Api = {
    /** Any `/v1` route with the user's token (after `Lobby.init`) or the app's public credentials → `{data}`. */
    request: (path: string, method = 'GET', params?: Record<string, unknown>) =>
      this.#request(path, method, params),
  };
  readonly Events = {
    /** A realtime request (`users:chats`, `chats:get`, …) → its answer's data. */
    send: (name: string, data: Record<string, unknown> = {}) => this.#send(name, data),
  };
  readonly Connection = {
    /** The signed-in user (after `Lobby.init`). */
    me: () => this.Lobby.session?.me,
    /** The session token (after `Lobby.init`). */
    getToken: () => this.Lobby.session?.token,
  };
  readonly #scriptOrigin: string;
  #initializing: Promise<void> | undefined;

  constructor(scriptOrigin: string) {
    this.#scriptOrigin = scriptOrigin;
  }

  /**
   * Points the SDK at the server and the app (checked: `GET /apps/{appId}/validate`), then restores the
   * chat the cookie names, if any, so `Lobby.getUserChats()` has it when the promise resolves.
   */
  init(options: InitOptions): Promise<void> {
    this.#initializing ??= settle(async () => {
      if (!options || typeof options.appId !== 'string' || options.appId === '') {
        throw new SwitchboardError(400, 'ICF.init needs {appId}');
      }
      const cookie = new SessionCookie(
        typeof options.setCookieOnDomain === 'string' ? options.setCookieOnDomain : undefined,
      );
      this.Lobby.configure(
        {
          baseUrl: serverOrigin(this.#scriptOrigin, options),
          appId: options.appId,
          ...(options.domainKey ? { domainKey: options.domainKey } : {}),
        },
        cookie,
      );
      await this.Lobby.client().apps.validate(options.appId);
      const saved = cookie.read(options.appId);
      if (saved) {
        await this.Lobby.init({ id: saved.u, token: saved.t }).catch((error: { code?: number }) => {
          // A session that ended (or a user erased) is forgotten; anything else keeps it for a retry.
          if (error.code === 401 || error.code === 404) cookie.clear();
        });
      }
      this.isInit = true;
    });
    this.#initializing.catch(() => {
      this.#initializing = undefined;
    });
    return this.#initializing;
  }

  #request(path: string, method: string, params: Record<string, unknown> | undefined) {
    return settle(async () => {
      const verb = method.toUpperCase();
      const route = path.replace(/^\/?v1(?=\/)/, '');
      const query: Record<string, string> = {};
      if (verb === 'GET' && params) {
        for (const [key, value] of Object.entries(params)) {
          if (value !== undefined && value !== null) query[key] = String(value);
        }
      }
      const data = await this.Lobby.client().request(verb, route, {
        query,
        ...(verb !== 'GET' && params !== undefined ? { body: params } : {}),
      });
      return { data };
    });
  }

  #send(name: string, data: Record<string, unknown>) {
    return settle(async () => {
      const { realtime } = this.Lobby.signed;
      // Any request by name: the server checks the name and the data (docs/realtime.md).
      const answer = (await realtime.request(name as RealtimeRequestName, data as never)) as Record<
        string,
        unknown
      >;
      // HyperChat keyed a user's chats by id (`Object.keys(data.chats)`); the server lists them.
      if (name === 'users:chats' && Array.isArray(answer?.chats)) {
        return {
          ...answer,
          chats: Object.fromEntries(answer.chats.map((chat: { id: string }) => [chat.id, chat])),
        };
      }
      return answer;
    });
  }
}
