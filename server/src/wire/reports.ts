import { type Static, Type } from '@sinclair/typebox';

/**
 * The reports (docs/reports.md): the chats report's buckets and totals, the agents report's rows.
 * Seconds everywhere; a statistic of nothing (no answered chat, no rating) is null.
 */
const seconds = Type.Union([Type.Integer(), Type.Null()]);

const chatStats = {
  chats: Type.Integer(),
  /** An agent joined. */
  answered: Type.Integer(),
  /** Closed with no agent ever joined while an agent serving its room was online. */
  missed: Type.Integer(),
  /** Closed by its end user while no agent was in it. */
  abandoned: Type.Integer(),
  waitP50: seconds,
  waitP90: seconds,
  firstResponseP50: seconds,
  firstResponseP90: seconds,
  durationP50: seconds,
  ratings: Type.Integer(),
  ratingAvg: Type.Union([Type.Number(), Type.Null()]),
  /** Share (0–1) of the ratings that are 4 or 5. */
  csat: Type.Union([Type.Number(), Type.Null()]),
};

export const ChatStats = Type.Object(chatStats, { additionalProperties: false });
export type ChatStats = Static<typeof ChatStats>;

export const ChatsReport = Type.Object(
  {
    series: Type.Array(Type.Object({ start: Type.Integer(), ...chatStats }, { additionalProperties: false })),
    totals: ChatStats,
  },
  { additionalProperties: false },
);

export const AgentReport = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    chats: Type.Integer(),
    invitations: Type.Object(
      { accepted: Type.Integer(), rejected: Type.Integer(), expired: Type.Integer() },
      { additionalProperties: false },
    ),
    firstResponseP50: seconds,
    durationP50: seconds,
    onlineSeconds: Type.Integer(),
    awaySeconds: Type.Integer(),
    ratingAvg: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const AgentsReport = Type.Object({ agents: Type.Array(AgentReport) }, { additionalProperties: false });

/** One row of GET /chats/export (JSON); the CSV has the same columns, lists joined with `;`. */
export const ExportedChat = Type.Object(
  {
    id: Type.String(),
    room: Type.Integer(),
    created: Type.Integer(),
    closed: seconds,
    creator: Type.String(),
    agents: Type.Array(Type.String()),
    tags: Type.Array(Type.String()),
    wait: seconds,
    firstResponse: seconds,
    duration: seconds,
    messages: Type.Integer(),
    rating: Type.Union([Type.Integer(), Type.Null()]),
    ticket: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
