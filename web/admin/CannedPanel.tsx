import { useState } from 'preact/hooks';
import { describeError, useLoad } from '../src/lib/hooks.ts';
import { type CannedResponse, type Client, type Room, readSettings } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field } from '../src/ui/index.ts';
import { loadSharedCanned } from './canned-loader.ts';

/** Canned responses: the shared ones (every agent of their rooms sees them), created, edited, deleted. */
export function CannedPanel({ client }: { client: Client }) {
  const loaded = useLoad(async () => {
    const [canned, settings] = await Promise.all([loadSharedCanned(client), readSettings(client)]);
    return { canned, rooms: settings.rooms };
  }, [client]);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const rooms = loaded.data?.rooms ?? [];
  const roomName = (id: number) => rooms.find((r) => r.id === id)?.name ?? `Room ${id}`;

  async function done(message: string) {
    setEditing(undefined);
    setStatus(message);
    await loaded.reload();
  }

  async function remove(canned: CannedResponse) {
    if (!confirm(`Delete the canned response /${canned.shortcut}?`)) return;
    setError(undefined);
    try {
      await client.canned.delete(canned.id);
      await done(`Deleted /${canned.shortcut}.`);
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <section class="admin__section" aria-labelledby="canned-title">
      <h2 id="canned-title">Canned responses</h2>
      <p class="sb-hint">
        Shared responses: agents insert them by typing <kbd>/</kbd> and the shortcut in the console.
        <code>{' {{visitor.name}} {{agent.name}} {{agent.nickname}} '}</code>are filled in there.
      </p>
      <ErrorNote message={loaded.error ?? error} />
      {status ? <p role="status">{status}</p> : null}
      {loaded.data?.canned.length === 0 ? <p class="sb-hint">No shared canned response yet.</p> : null}
      <ul class="sb-list admin__webhooks" aria-label="Shared canned responses">
        {loaded.data?.canned.map((canned) => (
          <li key={canned.id} class="admin__webhook">
            {editing === canned.id ? (
              <CannedForm
                client={client}
                rooms={rooms}
                canned={canned}
                onDone={done}
                onCancel={() => setEditing(undefined)}
              />
            ) : (
              <>
                <div class="admin__webhook-head">
                  <code>/{canned.shortcut}</code> <strong>{canned.title}</strong>
                  <span class="sb-hint">
                    {canned.rooms ? canned.rooms.map(roomName).join(', ') : 'every room'}
                  </span>
                </div>
                <p class="admin__canned-text">{canned.text}</p>
                <div class="admin__buttons">
                  <Button
                    small
                    variant="secondary"
                    aria-label={`Edit /${canned.shortcut}`}
                    onClick={() => setEditing(canned.id)}
                  >
                    Edit
                  </Button>
                  <Button
                    small
                    variant="danger"
                    aria-label={`Delete /${canned.shortcut}`}
                    onClick={() => void remove(canned)}
                  >
                    Delete
                  </Button>
                </div>
              </>
            )}
          </li>
        ))}
      </ul>
      <h3>New canned response</h3>
      <CannedForm client={client} rooms={rooms} onDone={done} />
    </section>
  );
}

/** Create (no `canned`) or edit one; the server validates and its refusal is shown as it words it. */
function CannedForm({
  client,
  rooms,
  canned,
  onDone,
  onCancel,
}: {
  client: Client;
  rooms: Room[];
  canned?: CannedResponse;
  onDone: (message: string) => Promise<void>;
  onCancel?: () => void;
}) {
  const [shortcut, setShortcut] = useState(canned?.shortcut ?? '');
  const [title, setTitle] = useState(canned?.title ?? '');
  const [text, setText] = useState(canned?.text ?? '');
  const [chosen, setChosen] = useState<number[]>(canned?.rooms ?? []);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    const body = { shortcut: shortcut.trim(), title: title.trim(), text, rooms: chosen };
    try {
      if (canned) await client.canned.update(canned.id, body);
      // `shared`: the secret's are shared anyway; a signed-in administrator asks for it.
      else await client.canned.create({ ...body, shared: true });
      if (!canned) {
        setShortcut('');
        setTitle('');
        setText('');
        setChosen([]);
      }
      await onDone(canned ? `Saved /${body.shortcut}.` : `Created /${body.shortcut}.`);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  const label = canned ? `Edit /${canned.shortcut}` : 'New canned response';
  return (
    <form class="admin__form" aria-label={label} onSubmit={submit}>
      <Field
        label="Shortcut"
        hint="What agents type after /: a-z, 0-9, - and _"
        value={shortcut}
        required
        onInput={(e) => setShortcut(e.currentTarget.value)}
      />
      <Field label="Title" value={title} required onInput={(e) => setTitle(e.currentTarget.value)} />
      <label class="sb-field">
        <span>Text</span>
        <textarea
          class="sb-textarea"
          rows={3}
          required
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <fieldset class="admin__rooms">
        <legend>Rooms (none checked = every room)</legend>
        {rooms.map((room) => (
          <label key={room.id} class="admin__check">
            <input
              type="checkbox"
              checked={chosen.includes(room.id)}
              onChange={(e) =>
                setChosen(
                  e.currentTarget.checked ? [...chosen, room.id] : chosen.filter((id) => id !== room.id),
                )
              }
            />{' '}
            {room.name}
          </label>
        ))}
      </fieldset>
      <ErrorNote message={error} />
      <div class="admin__buttons">
        <Button type="submit" disabled={busy}>
          {canned ? 'Save' : 'Create'}
        </Button>
        {onCancel ? (
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        ) : null}
      </div>
    </form>
  );
}
