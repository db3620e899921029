import { type Static, type TSchema, Type, TypeGuard } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { int } from '../limits/ranges.ts';
import { decodeObject } from '../store/json.ts';
import { badRequest } from '../util/errors.ts';
import {
  issuerProblem,
  presentSso,
  SSO_DEFAULTS,
  SsoSettingsSchema,
  type SsoSettingsView,
} from './sso-settings.ts';
import { SurveyChoiceSchema, SurveysSchema, surveysProblems } from './survey-settings.ts';

const Room = Type.Object({
  id: int('roomId'),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  langs: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 35 }), { maxItems: 100 })),
  /** Outside opening hours a new chat becomes a ticket (absent: "ticket") or waits for the opening. */
  offHours: Type.Optional(Type.Union([Type.Literal('queue'), Type.Literal('ticket')])),
});

const Lang = Type.String({ minLength: 1, maxLength: 35 });

/** A chat tag: 1–50 characters, no commas (the console's "Tags" box separates with them), no edge spaces. */
export const Tag = Type.String({ minLength: 1, maxLength: 50, pattern: '^[^,\\s]([^,]*[^,\\s])?$' });

/** Per-app settings (docs/conventions.md). Every field is required once merged over the defaults. */
export const SettingsSchema = Type.Object({
  rooms: Type.Array(Room, { minItems: 1, maxItems: 1000 }),
  langs: Type.Array(Lang, { minItems: 1, maxItems: 100 }),
  queue: Type.Object({ active: Type.Boolean() }),
  assign: Type.Object({
    onCreate: Type.Boolean(),
    timeout: int('durationDay', { minimum: 1 }),
    maxAttempts: int('attempts'),
    algorithm: Type.Union([Type.Literal('least-busy'), Type.Literal('round-robin')]),
    maxChatsPerAgent: int('maxChats'),
    autoAccept: Type.Boolean(),
  }),
  presence: Type.Object({ reconnectGrace: int('durationDay') }),
  chats: Type.Object({ inactivityTimeout: int('inactivity') }),
  tickets: Type.Object({ createOnClose: Type.Boolean() }),
  media: Type.Object({
    maxBytes: int('mediaBytes'),
    allowedTypes: Type.Array(Type.String({ pattern: '^[\\w.+-]+/([\\w.+-]+|\\*)$' }), { maxItems: 100 }),
  }),
  auth: Type.Object({ requireDomainKey: Type.Boolean() }),
  sso: Type.Optional(SsoSettingsSchema),
  tags: Type.Object({
    /** null: any tag; a list: only these. */
    allowed: Type.Union([Type.Array(Tag, { maxItems: 500 }), Type.Null()]),
    requiredOnClose: Type.Boolean(),
  }),
  /** Post-chat surveys (docs/surveys.md). */
  surveys: SurveysSchema,
  survey: SurveyChoiceSchema,
  /** Days a closed chat keeps its text, and its files their bytes; null = for ever (docs/privacy.md). */
  retention: Type.Object({
    chatsDays: Type.Union([int('retentionDays'), Type.Null()]),
    mediaDays: Type.Union([int('retentionDays'), Type.Null()]),
  }),
});

export type Settings = Static<typeof SettingsSchema>;

export function defaultSettings(): Settings {
  return {
    rooms: [{ id: 1, name: 'General' }],
    langs: ['en'],
    queue: { active: false },
    assign: {
      onCreate: true,
      timeout: 30,
      maxAttempts: 10,
      algorithm: 'least-busy',
      maxChatsPerAgent: 3,
      autoAccept: false,
    },
    presence: { reconnectGrace: 30 },
    chats: { inactivityTimeout: 0 },
    tickets: { createOnClose: true },
    media: { maxBytes: 10 * 1024 * 1024, allowedTypes: ['image/*', 'application/pdf', 'text/plain'] },
    auth: { requireDomainKey: false },
    tags: { allowed: null, requiredOnClose: false },
    surveys: [],
    survey: { onClose: null },
    retention: { chatsDays: null, mediaDays: null },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Objects merge key by key; arrays and scalars replace; `null` leaves the current value — unless the
 * `schema` of that place admits null (`tags.allowed`), where null is the value to set.
 */
export function deepMerge(base: unknown, patch: unknown, schema?: TSchema): unknown {
  if (patch === undefined) return base;
  if (patch === null) return schema !== undefined && Value.Check(schema, null) ? null : base;
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch))
    merged[key] = deepMerge(
      base[key],
      value,
      schema && TypeGuard.IsObject(schema) ? schema.properties[key] : undefined,
    );
  return merged;
}

/** Merges a partial update over the current settings and validates the whole; unknown keys are dropped. */
export function mergeSettings(current: Settings, patch: unknown): Settings {
  if (!isPlainObject(patch)) throw badRequest('Settings must be an object');
  // A first `sso` object takes its booleans' defaults (docs/security.md, "Single sign-on").
  const base =
    current.sso === undefined && isPlainObject(patch.sso) ? { ...current, sso: SSO_DEFAULTS } : current;
  const merged = Value.Clean(SettingsSchema, structuredClone(deepMerge(base, patch, SettingsSchema)));
  const errors = [...Value.Errors(SettingsSchema, merged)];
  if (errors.length > 0) {
    const details = errors
      .slice(0, 20)
      .map((e) => ({ field: e.path.replace(/^\//, '').replaceAll('/', '.'), message: e.message }));
    throw badRequest(
      `Invalid settings: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
      details,
    );
  }
  const settings = merged as Settings;
  const issuer = settings.sso && issuerProblem(settings.sso.issuer);
  if (issuer) throw badRequest(`Invalid settings: ${issuer.field} ${issuer.message}`, [issuer]);
  const ids = settings.rooms.map((r) => r.id);
  if (new Set(ids).size !== ids.length) {
    throw badRequest('Invalid settings: room ids must be unique', [
      { field: 'rooms', message: 'duplicate room id' },
    ]);
  }
  const surveyProblems = surveysProblems(settings.surveys, settings.survey.onClose, ids);
  if (surveyProblems.length > 0)
    throw badRequest(
      `Invalid settings: ${surveyProblems.map((d) => `${d.field} ${d.message}`).join('; ')}`,
      surveyProblems.slice(0, 20),
    );
  return settings;
}

/** Stored settings merged over today's defaults, so settings added later have values for old apps. */
export function parseStoredSettings(json: string): Settings {
  // Checked as an object here; its values were validated when they were written.
  return deepMerge(defaultSettings(), decodeObject(json), SettingsSchema) as Settings;
}

export function publicSettings(settings: Settings): Pick<Settings, 'rooms' | 'langs' | 'queue'> {
  return { rooms: settings.rooms, langs: settings.langs, queue: settings.queue };
}

/** Settings as answers carry them: the SSO client secret is write-only. */
export type SettingsView = Omit<Settings, 'sso'> & { sso?: SsoSettingsView };

export function presentSettings(settings: Settings): SettingsView {
  const { sso, ...rest } = settings;
  return sso ? { ...rest, sso: presentSso(sso) } : rest;
}
