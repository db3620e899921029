import { useState } from 'preact/hooks';
import { describeError, useLoad } from '../src/lib/hooks.ts';
import type { Agent, Client } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field, SelectField } from '../src/ui/index.ts';
import { AgentActions, isActive } from './AgentActions.tsx';

/** Room ids as typed; a part that is not a whole number is refused here, naming the field. */
function rooms(text: string): number[] {
  const parts = text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (parts.some((r) => !/^\d+$/.test(r)))
    throw new Error('Rooms: room ids are whole numbers, comma-separated.');
  return parts.map(Number);
}
/** A capacity as typed: empty is none; anything but a whole number is refused here, naming the field. */
function count(text: string): number | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new Error('Max chats: enter a whole number.');
  return Number(value);
}

type Role = Agent['role'];
/** The roles a person of the team may have (docs/people.md), as the Role selects offer them. */
const ROLES = [
  ['agent', 'Agent'],
  ['supervisor', 'Supervisor'],
  ['admin', 'Admin'],
] as const satisfies ReadonlyArray<readonly [Role, string]>;
const roleName = (role: Role) => ROLES.find(([value]) => value === role)?.[1] ?? role;
const isRole = (value: string): value is (typeof ROLES)[number][0] => ROLES.some(([r]) => r === value);

function RoleField({ value, onChange }: { value: Role; onChange: (role: Role) => void }) {
  return (
    <SelectField
      label="Role"
      value={value}
      onChange={(e) => {
        const next = e.currentTarget.value;
        if (isRole(next)) onChange(next);
      }}
    >
      {ROLES.map(([role, name]) => (
        <option key={role} value={role}>
          {name}
        </option>
      ))}
    </SelectField>
  );
}

/** Agents: create, edit rooms, role and capacity, reset a password; deactivate, reactivate, delete. */
export function AgentsPanel({ client }: { client: Client }) {
  const agents = useLoad(() => client.agents.list(), [client]);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <section class="admin__section" aria-labelledby="agents-title">
      <h2 id="agents-title">Agents</h2>
      <ErrorNote message={agents.error ?? error} />
      {status ? <p role="status">{status}</p> : null}
      <table class="sb-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Rooms</th>
            <th scope="col">Chats</th>
            <th scope="col">
              <span class="sb-visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {agents.data?.agents.map((agent) =>
            editing === agent.id ? (
              <tr key={agent.id}>
                <td colSpan={7}>
                  <EditAgent
                    client={client}
                    agent={agent}
                    onDone={async (message) => {
                      setEditing(undefined);
                      if (message) setStatus(message);
                      await agents.reload();
                    }}
                  />
                </td>
              </tr>
            ) : (
              <tr key={agent.id}>
                <td>{agent.name}</td>
                <td>{agent.contact}</td>
                <td>{roleName(agent.role)}</td>
                <td>
                  {isActive(agent) ? (
                    <span class={`admin__status admin__status--${agent.status}`}>{agent.status}</span>
                  ) : (
                    <span class="admin__status admin__status--inactive">inactive</span>
                  )}
                </td>
                <td>{(agent.rooms ?? []).join(', ')}</td>
                <td>
                  {agent.chats.length} / {agent.maxChats}
                </td>
                <td>
                  <div class="admin__buttons">
                    <Button
                      variant="secondary"
                      small
                      aria-label={`Edit ${agent.name}`}
                      onClick={() => setEditing(agent.id)}
                    >
                      Edit
                    </Button>
                    <AgentActions
                      client={client}
                      agent={agent}
                      onError={setError}
                      onDone={async (message) => {
                        setError(undefined);
                        setStatus(message);
                        await agents.reload();
                      }}
                    />
                  </div>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      <CreateAgent client={client} onCreated={agents.reload} />
    </section>
  );
}

function EditAgent({
  client,
  agent,
  onDone,
}: {
  client: Client;
  agent: Agent;
  onDone: (message?: string) => void;
}) {
  const [roomText, setRoomText] = useState((agent.rooms ?? []).join(', '));
  const [maxChats, setMaxChats] = useState(String(agent.maxChats ?? ''));
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(agent.role);
  const [error, setError] = useState<string | undefined>(undefined);
  async function save(event: Event) {
    event.preventDefault();
    setError(undefined);
    try {
      const max = count(maxChats);
      await client.agents.update(agent.id, {
        rooms: rooms(roomText),
        ...(max !== undefined ? { maxChats: max } : {}),
        ...(password ? { password } : {}),
        ...(role !== agent.role && isRole(role) ? { role } : {}),
      });
      onDone(password ? `${agent.name}: saved, password reset.` : `${agent.name}: saved.`);
    } catch (failure) {
      setError(describeError(failure));
    }
  }
  return (
    <form class="admin__inline" onSubmit={save} aria-label={`Edit ${agent.name}`}>
      <strong>{agent.name}</strong>
      <Field
        label="Rooms"
        hint="Room ids, comma-separated"
        value={roomText}
        onInput={(e) => setRoomText(e.currentTarget.value)}
      />
      <Field label="Max chats" value={maxChats} onInput={(e) => setMaxChats(e.currentTarget.value)} />
      <RoleField value={role} onChange={setRole} />
      <Field
        label="New password"
        type="password"
        hint="Leave empty to keep it"
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
        autocomplete="new-password"
      />
      <ErrorNote message={error} />
      <div class="admin__buttons">
        <Button type="submit">Save</Button>
        <Button variant="secondary" onClick={() => onDone()}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function CreateAgent({ client, onCreated }: { client: Client; onCreated: () => Promise<void> }) {
  const empty = { name: '', contact: '', password: '', rooms: '1', maxChats: '' };
  const [form, setForm] = useState(empty);
  const [role, setRole] = useState<Role>('agent');
  const [error, setError] = useState<string | undefined>(undefined);
  const [created, setCreated] = useState<string | undefined>(undefined);
  async function create(event: Event) {
    event.preventDefault();
    setError(undefined);
    setCreated(undefined);
    try {
      const max = count(form.maxChats);
      await client.agents.create({
        name: form.name.trim(),
        contact: form.contact.trim(),
        password: form.password,
        rooms: rooms(form.rooms),
        ...(max !== undefined ? { maxChats: max } : {}),
        ...(role !== 'agent' && isRole(role) ? { role } : {}),
      });
      setCreated(`${form.name.trim()} can now sign in to the console.`);
      setForm(empty);
      setRole('agent');
      await onCreated();
    } catch (failure) {
      setError(describeError(failure));
    }
  }
  const onInput = (key: keyof typeof empty) => (e: { currentTarget: HTMLInputElement }) =>
    setForm({ ...form, [key]: e.currentTarget.value });
  return (
    <form class="admin__form sb-card" onSubmit={create} aria-label="New agent">
      <h3>New agent</h3>
      <Field label="Name" value={form.name} onInput={onInput('name')} />
      <Field label="Email" type="email" value={form.contact} onInput={onInput('contact')} />
      <Field
        label="Password"
        type="password"
        value={form.password}
        onInput={onInput('password')}
        autocomplete="new-password"
      />
      <Field label="Rooms" hint="Room ids, comma-separated" value={form.rooms} onInput={onInput('rooms')} />
      <Field
        label="Max chats"
        hint="Empty: the app’s default"
        value={form.maxChats}
        onInput={onInput('maxChats')}
      />
      <RoleField value={role} onChange={setRole} />
      <ErrorNote message={error} />
      {created ? <p role="status">{created}</p> : null}
      <Button type="submit">Create agent</Button>
    </form>
  );
}
