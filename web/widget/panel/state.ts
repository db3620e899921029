import type { Message, Survey } from '../../src/lib/sdk.ts';

/** The panel's view state (a view model: the wire shapes are the SDK's). */

/** A message on screen: a server message, or one of ours still on its way. */
export interface Line {
  key: string;
  id?: string;
  clientId?: string;
  sender: string;
  type: Message['type'];
  message: Message['message'];
  seq: number;
  created: number;
  state: 'sending' | 'sent' | 'failed';
  error?: string;
}

export type Phase =
  | 'loading'
  | 'prechat'
  | 'offline'
  | 'starting'
  | 'waiting'
  | 'active'
  | 'closed'
  /** A message was left (no agent): the chat closed into a ticket. */
  | 'left';

/** The post-chat survey offered after the close (docs/surveys.md): asked once, thanked after. */
export interface SurveyView {
  survey: Survey;
  chatId: string;
  state: 'open' | 'sending' | 'sent';
  error?: string;
}

export interface ViewState {
  phase: Phase;
  me: string | undefined;
  name: string;
  email: string;
  chatId: string | undefined;
  lines: Line[];
  inQueue: boolean;
  queuePosition: number | null;
  /** Names of the agents in the chat now, by id. */
  agents: Record<string, string>;
  /** Names of everyone who has been in the chat (a transferred agent's lines keep their name). */
  names: Record<string, string>;
  typing: string | undefined;
  /** Ids of our messages someone else has read. */
  read: Record<string, true>;
  /** The socket is down while a session exists. */
  offline: boolean;
  /** `forever:alone`: nobody can take the chat now. */
  alone: boolean;
  error: string | undefined;
  notice: string | undefined;
  /** The room is closed now (opening hours): the status line, with the next opening. */
  closed: string | undefined;
  busy: boolean;
  unread: number;
  survey: SurveyView | undefined;
}

export function initialState(name: string, email: string): ViewState {
  return {
    phase: 'loading',
    me: undefined,
    name,
    email,
    chatId: undefined,
    lines: [],
    inQueue: false,
    queuePosition: null,
    agents: {},
    names: {},
    typing: undefined,
    read: {},
    offline: false,
    alone: false,
    error: undefined,
    notice: undefined,
    closed: undefined,
    busy: false,
    unread: 0,
    survey: undefined,
  };
}
