import { Type } from '@sinclair/typebox';
import { Chat } from './chat.ts';
import { Media } from './media.ts';
import { HistoryEntry, Message } from './message.ts';
import { SurveyResponse } from './surveys.ts';
import { Ticket } from './ticket.ts';
import { User } from './user.ts';

/** One chat of an end user's export (docs/privacy.md): what the user could see of it, and what was kept. */
export const ExportedChat = Type.Object({
  chat: Chat,
  /** Every message the end user could see (never an internal note), oldest first. */
  messages: Type.Array(Message),
  /** The bot conversation imported with the chat. */
  history: Type.Array(HistoryEntry),
  /** The chat's files, as references (the bytes are at `GET /media/{id}` while not erased). */
  media: Type.Array(Media),
  tickets: Type.Array(Ticket),
  /** Its survey answers (docs/surveys.md), when it answered the survey; null otherwise. */
  survey: Type.Union([SurveyResponse, Type.Null()]),
});

/** `GET /users/{id}/export`: the profile on every page, and one page of the user's chats, oldest first. */
export const UserExport = Type.Object({
  user: User,
  /** When the export was made (Unix seconds). */
  exported: Type.Integer(),
  chats: Type.Array(ExportedChat),
  next: Type.Union([Type.String(), Type.Null()]),
});
