import { useState } from 'preact/hooks';
import { describeError, useLoad } from '../lib/hooks.ts';
import { type Client, readSettings } from '../lib/sdk.ts';
import { Button, ErrorNote, Field, SelectField } from '../ui/index.ts';
import { Chart } from './charts.tsx';
import {
  bucketLabel,
  count,
  duration,
  type Interval,
  isoDay,
  midnight,
  percent,
  summaries,
} from './report-text.ts';

const COLORS = {
  chats: 'var(--sb-accent)',
  answered: 'var(--sb-success)',
  missed: 'var(--sb-danger)',
  abandoned: '#b26b00',
  p90: '#7a4cc2',
};

/**
 * The Reports view (docs/reports.md, docs/web.md) — the admin's Reports tab, the console's for supervisors: volume, speed, misses and satisfaction over a date
 * range in the browser's time zone, per room, as charts with a sentence each for screen readers; the
 * agents table; the range's chats as a CSV file.
 */
export function ReportsPanel({
  client,
  canExport = false,
  onlyRooms,
  class: extra,
}: {
  client: Client;
  /** The CSV export is the app's and its admins' (docs/reports.md): a supervisor's view has no button. */
  canExport?: boolean;
  /** The rooms the caller's reports cover (a supervisor's); absent: every room of the settings. */
  onlyRooms?: number[];
  class?: string;
}) {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [fromDay, setFromDay] = useState(() => isoDay(-6));
  const [toDay, setToDay] = useState(() => isoDay(0));
  const [room, setRoom] = useState('');
  const [interval, setBucketInterval] = useState<Interval>('day');
  const [downloadError, setDownloadError] = useState<string | undefined>(undefined);
  const from = midnight(fromDay);
  const to = midnight(toDay, 1);
  const roomId = room === '' ? undefined : Number(room);
  const loaded = useLoad(async () => {
    const [chats, agents, settings] = await Promise.all([
      client.reports.chats({ from, to, interval, tz, ...(roomId ? { room: roomId } : {}) }),
      client.reports.agents({ from, to, ...(roomId ? { room: roomId } : {}) }),
      readSettings(client),
    ]);
    const rooms = settings.rooms.filter((r) => onlyRooms === undefined || onlyRooms.includes(r.id));
    return { chats, agents: agents.agents, rooms };
  }, [client, from, to, interval, room]);
  const data = loaded.data;
  const labels = data?.chats.series.map((b) => bucketLabel(b.start, interval, tz)) ?? [];
  const text = data ? summaries(data.chats, interval, tz) : undefined;
  const minutes = (v: number) => duration(Math.round(v));

  async function download() {
    setDownloadError(undefined);
    try {
      const csv = await client.reports.exportCsv({ from, to });
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `chats-${fromDay}-${toDay}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      setDownloadError(describeError(error));
    }
  }

  return (
    <section class={['sb-report', extra].filter(Boolean).join(' ')} aria-labelledby="reports-title">
      <h2 id="reports-title">Reports</h2>
      <form class="sb-report__filters" aria-label="Report range" onSubmit={(e) => e.preventDefault()}>
        <Field
          label="From"
          type="date"
          value={fromDay}
          max={toDay}
          onInput={(e) => setFromDay(e.currentTarget.value || fromDay)}
        />
        <Field
          label="To"
          type="date"
          value={toDay}
          min={fromDay}
          onInput={(e) => setToDay(e.currentTarget.value || toDay)}
        />
        <SelectField label="Room" value={room} onChange={(e) => setRoom(e.currentTarget.value)}>
          <option value="">{onlyRooms ? 'All my rooms' : 'All rooms'}</option>
          {(data?.rooms ?? []).map((r) => (
            <option key={r.id} value={String(r.id)}>
              {r.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Interval"
          value={interval}
          onChange={(e) => setBucketInterval(e.currentTarget.value as Interval)}
        >
          <option value="hour">Hour</option>
          <option value="day">Day</option>
          <option value="week">Week</option>
        </SelectField>
        {canExport ? (
          <Button type="button" variant="secondary" onClick={() => void download()}>
            Download CSV
          </Button>
        ) : null}
      </form>
      <p class="sb-hint">Times in {tz}. Each chat counts on the day it was created.</p>
      <ErrorNote message={loaded.error ?? downloadError} />
      {data && text ? (
        <>
          <dl class="sb-report__totals" aria-label="Totals">
            <div>
              <dt>Chats</dt>
              <dd>{count(data.chats.totals.chats)}</dd>
            </div>
            <div>
              <dt>Answered</dt>
              <dd>{count(data.chats.totals.answered)}</dd>
            </div>
            <div>
              <dt>Missed</dt>
              <dd>{count(data.chats.totals.missed)}</dd>
            </div>
            <div>
              <dt>Abandoned</dt>
              <dd>{count(data.chats.totals.abandoned)}</dd>
            </div>
            <div>
              <dt>Median wait</dt>
              <dd>{duration(data.chats.totals.waitP50)}</dd>
            </div>
            <div>
              <dt>CSAT</dt>
              <dd>{percent(data.chats.totals.csat)}</dd>
            </div>
          </dl>
          <div class="sb-report__charts">
            <Chart
              title="Chats"
              summary={text.volume}
              kind="bars"
              labels={labels}
              series={[
                { name: 'Chats', values: data.chats.series.map((b) => b.chats), color: COLORS.chats },
                {
                  name: 'Answered',
                  values: data.chats.series.map((b) => b.answered),
                  color: COLORS.answered,
                },
              ]}
            />
            <Chart
              title="Wait and first response"
              summary={text.speed}
              kind="lines"
              labels={labels}
              format={minutes}
              series={[
                {
                  name: 'Wait, median',
                  values: data.chats.series.map((b) => b.waitP50),
                  color: COLORS.chats,
                },
                {
                  name: 'Wait, 90th percentile',
                  values: data.chats.series.map((b) => b.waitP90),
                  color: COLORS.p90,
                },
                {
                  name: 'First response, median',
                  values: data.chats.series.map((b) => b.firstResponseP50),
                  color: COLORS.answered,
                },
              ]}
            />
            <Chart
              title="Missed and abandoned"
              summary={text.misses}
              kind="bars"
              labels={labels}
              series={[
                { name: 'Missed', values: data.chats.series.map((b) => b.missed), color: COLORS.missed },
                {
                  name: 'Abandoned',
                  values: data.chats.series.map((b) => b.abandoned),
                  color: COLORS.abandoned,
                },
              ]}
            />
            <Chart
              title="Satisfaction (CSAT)"
              summary={text.csat}
              kind="lines"
              labels={labels}
              format={(v) => `${Math.round(v)}%`}
              series={[
                {
                  name: 'CSAT',
                  values: data.chats.series.map((b) => (b.csat === null ? null : b.csat * 100)),
                  color: COLORS.answered,
                },
              ]}
            />
          </div>
          <h3>Agents</h3>
          <div class="sb-report__table-wrap">
            <table class="sb-table" aria-label="Agents report">
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Chats</th>
                  <th scope="col">Invitations accepted / rejected / expired</th>
                  <th scope="col">First response (median)</th>
                  <th scope="col">Duration (median)</th>
                  <th scope="col">Online</th>
                  <th scope="col">Away</th>
                  <th scope="col">Rating</th>
                </tr>
              </thead>
              <tbody>
                {data.agents.map((agent) => (
                  <tr key={agent.id}>
                    <th scope="row">{agent.name}</th>
                    <td>{count(agent.chats)}</td>
                    <td>
                      {agent.invitations.accepted} / {agent.invitations.rejected} /{' '}
                      {agent.invitations.expired}
                    </td>
                    <td>{duration(agent.firstResponseP50)}</td>
                    <td>{duration(agent.durationP50)}</td>
                    <td>{duration(agent.onlineSeconds)}</td>
                    <td>{duration(agent.awaySeconds)}</td>
                    <td>{agent.ratingAvg ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
