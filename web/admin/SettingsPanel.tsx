import { useEffect, useState } from 'preact/hooks';
import { describeError, useLoad } from '../src/lib/hooks.ts';
import { type App, type Room, readSettings, type Settings } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field, SelectField } from '../src/ui/index.ts';
import { AppSecretPanel } from './AppSecretPanel.tsx';
import type { AdminSession } from './model.ts';

type AppSession = Extract<AdminSession, { kind: 'app' }>;

/** Text fields as typed; turned into the settings body on save (the server validates every field). */
interface Draft {
  /** `offHours` is edited in the Hours tab; kept here so saving these settings does not drop it. */
  rooms: Array<{ id: number; name: string; langs: string; offHours?: Room['offHours'] }>;
  langs: string;
  queue: boolean;
  onCreate: boolean;
  timeout: string;
  maxAttempts: string;
  algorithm: string;
  maxChatsPerAgent: string;
  autoAccept: boolean;
  reconnectGrace: string;
  inactivityTimeout: string;
  tickets: boolean;
  maxBytes: string;
  allowedTypes: string;
  requireDomainKey: boolean;
  domains: string;
  allowedTags: string;
  tagRequired: boolean;
}

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
/** A number when the text is one; else the text itself, so the server's 400 names the field. */
const num = (text: string): number | string => (/^-?\d+$/.test(text.trim()) ? Number(text) : text);

function toDraft(settings: Settings, app: App): Draft {
  return {
    rooms: settings.rooms.map((r) => ({
      id: r.id,
      name: r.name,
      langs: (r.langs ?? []).join(', '),
      ...(r.offHours ? { offHours: r.offHours } : {}),
    })),
    langs: settings.langs.join(', '),
    queue: settings.queue.active,
    onCreate: settings.assign.onCreate,
    timeout: String(settings.assign.timeout),
    maxAttempts: String(settings.assign.maxAttempts),
    algorithm: settings.assign.algorithm,
    maxChatsPerAgent: String(settings.assign.maxChatsPerAgent),
    autoAccept: settings.assign.autoAccept,
    reconnectGrace: String(settings.presence.reconnectGrace),
    inactivityTimeout: String(settings.chats.inactivityTimeout),
    tickets: settings.tickets.createOnClose,
    maxBytes: String(settings.media.maxBytes),
    allowedTypes: settings.media.allowedTypes.join(', '),
    requireDomainKey: settings.auth.requireDomainKey,
    domains: app.domains.join(', '),
    allowedTags: (settings.tags.allowed ?? []).join(', '),
    tagRequired: settings.tags.requiredOnClose,
  };
}

function toBody(draft: Draft) {
  return {
    rooms: draft.rooms.map(
      (r): Room => ({
        id: r.id,
        name: r.name.trim(),
        ...(list(r.langs).length ? { langs: list(r.langs) } : {}),
        ...(r.offHours ? { offHours: r.offHours } : {}),
      }),
    ),
    langs: list(draft.langs),
    queue: { active: draft.queue },
    assign: {
      onCreate: draft.onCreate,
      timeout: num(draft.timeout),
      maxAttempts: num(draft.maxAttempts),
      algorithm: draft.algorithm,
      maxChatsPerAgent: num(draft.maxChatsPerAgent),
      autoAccept: draft.autoAccept,
    },
    presence: { reconnectGrace: num(draft.reconnectGrace) },
    chats: { inactivityTimeout: num(draft.inactivityTimeout) },
    tickets: { createOnClose: draft.tickets },
    media: { maxBytes: num(draft.maxBytes), allowedTypes: list(draft.allowedTypes) },
    auth: { requireDomainKey: draft.requireDomainKey },
    // No list typed means any tag: null (which the server takes as the value here, not as "unchanged").
    tags: {
      allowed: list(draft.allowedTags).length ? list(draft.allowedTags) : null,
      requiredOnClose: draft.tagRequired,
    },
  };
}

function Check({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
}) {
  return (
    <label class="admin__check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} /> {label}
    </label>
  );
}

/** Rooms, languages, queue mode, assignment, tickets, media, domains: one form, saved together. */
export function SettingsPanel({
  session,
  onSecretRotated,
}: {
  session: AppSession;
  onSecretRotated: (secret: string) => void;
}) {
  const loaded = useLoad(async () => {
    const [settings, { app }] = await Promise.all([
      readSettings(session.client),
      session.client.apps.get(session.appId),
    ]);
    return { settings, app };
  }, [session]);
  const [draft, setDraft] = useState<Draft | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (loaded.data) setDraft(toDraft(loaded.data.settings, loaded.data.app));
  }, [loaded.data]);

  if (!draft) return <ErrorNote message={loaded.error} />;
  const set = (patch: Partial<Draft>) => {
    setSaved(false);
    setDraft({ ...draft, ...patch });
  };
  const text = (label: string, key: keyof Draft, hint?: string) => (
    <Field
      label={label}
      hint={hint}
      value={String(draft[key])}
      onInput={(e) => set({ [key]: e.currentTarget.value })}
    />
  );

  async function save(event: Event) {
    event.preventDefault();
    setError(undefined);
    try {
      await session.client.settings.update(toBody(draft!));
      await session.client.apps.update(session.appId, { domains: list(draft!.domains) });
      setSaved(true);
      await loaded.reload();
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <>
      <form class="admin__settings" onSubmit={save} aria-label="Settings">
        <fieldset class="sb-card">
          <legend>Rooms</legend>
          {draft.rooms.map((room, index) => (
            <div class="admin__row" key={room.id}>
              <span class="admin__room-id">#{room.id}</span>
              <Field
                label={`Room ${room.id} name`}
                value={room.name}
                onInput={(e) =>
                  set({
                    rooms: draft.rooms.map((r, i) =>
                      i === index ? { ...r, name: e.currentTarget.value } : r,
                    ),
                  })
                }
              />
              <Field
                label={`Room ${room.id} languages`}
                value={room.langs}
                onInput={(e) =>
                  set({
                    rooms: draft.rooms.map((r, i) =>
                      i === index ? { ...r, langs: e.currentTarget.value } : r,
                    ),
                  })
                }
              />
              <Button
                variant="secondary"
                small
                aria-label={`Remove room ${room.id}`}
                disabled={draft.rooms.length === 1}
                onClick={() => set({ rooms: draft.rooms.filter((_, i) => i !== index) })}
              >
                Remove
              </Button>
            </div>
          ))}
          <Button
            variant="secondary"
            small
            onClick={() =>
              set({
                rooms: [
                  ...draft.rooms,
                  { id: Math.max(0, ...draft.rooms.map((r) => r.id)) + 1, name: '', langs: '' },
                ],
              })
            }
          >
            Add room
          </Button>
          {text('Languages', 'langs', 'Comma-separated codes, e.g. en, de')}
        </fieldset>
        <fieldset class="sb-card">
          <legend>Routing</legend>
          <Check
            label="Queue mode (positions, offered from the head)"
            checked={draft.queue}
            onChange={(v) => set({ queue: v })}
          />
          <Check label="Assign on create" checked={draft.onCreate} onChange={(v) => set({ onCreate: v })} />
          <Check
            label="Auto-accept invitations"
            checked={draft.autoAccept}
            onChange={(v) => set({ autoAccept: v })}
          />
          <SelectField
            label="Algorithm"
            value={draft.algorithm}
            onChange={(e) => set({ algorithm: e.currentTarget.value })}
          >
            <option value="least-busy">least-busy</option>
            <option value="round-robin">round-robin</option>
          </SelectField>
          {text('Invitation timeout (seconds)', 'timeout')}
          {text('Max attempts', 'maxAttempts')}
          {text('Max chats per agent', 'maxChatsPerAgent')}
          {text('Reconnect grace (seconds)', 'reconnectGrace')}
          {text('Inactivity timeout (seconds, 0 = off)', 'inactivityTimeout')}
        </fieldset>
        <fieldset class="sb-card">
          <legend>Tickets, media, access</legend>
          <Check
            label="Create a ticket when a chat closes"
            checked={draft.tickets}
            onChange={(v) => set({ tickets: v })}
          />
          {text('Largest attachment (bytes)', 'maxBytes')}
          {text('Allowed attachment types', 'allowedTypes', 'Comma-separated, e.g. image/*, application/pdf')}
          {text('Domains', 'domains', 'Where the widget may run, comma-separated; none = any origin')}
          <Check
            label="Require the domain key"
            checked={draft.requireDomainKey}
            onChange={(v) => set({ requireDomainKey: v })}
          />
        </fieldset>
        <fieldset class="sb-card">
          <legend>Tags</legend>
          {text('Allowed tags', 'allowedTags', 'Comma-separated; empty = agents may use any tag')}
          <Check
            label="Require a tag to close a chat"
            checked={draft.tagRequired}
            onChange={(v) => set({ tagRequired: v })}
          />
        </fieldset>
        <ErrorNote message={error} />
        {saved ? (
          <p role="status" class="admin__saved">
            Settings saved.
          </p>
        ) : null}
        <div>
          <Button type="submit">Save settings</Button>
        </div>
      </form>
      <AppSecretPanel client={session.client} appId={session.appId} onRotated={onSecretRotated} />
    </>
  );
}
