import { useState } from 'preact/hooks';
import { useLoad } from '../src/lib/hooks.ts';
import type { Client, SurveyDefinition, SurveyResponse } from '../src/lib/sdk.ts';
import { Button, ErrorNote, SelectField } from '../src/ui/index.ts';

const when = (seconds: number) => new Date(seconds * 1000).toLocaleString();

/** A survey's responses, newest first, a page at a time (GET /surveys/{id}/responses). */
export function SurveyResponses({
  client,
  surveys,
}: {
  client: Client;
  surveys: readonly SurveyDefinition[];
}) {
  const [surveyId, setSurveyId] = useState(surveys[0]!.id);
  const [more, setMore] = useState<{ rows: SurveyResponse[]; next: string | null } | undefined>(undefined);
  const loaded = useLoad(async () => {
    setMore(undefined);
    return client.surveys.responses(surveyId, { limit: 50 });
  }, [client, surveyId]);
  const survey = surveys.find((s) => s.id === surveyId) ?? surveys[0]!;
  const rows = [...(loaded.data?.responses ?? []), ...(more?.rows ?? [])];
  const next = more ? more.next : (loaded.data?.next ?? null);
  const text = (r: SurveyResponse, id: string) => {
    const value = r.answers.find((a) => a.questionId === id)?.value;
    return value === undefined ? '—' : String(value);
  };
  return (
    <section class="sb-card admin__responses" aria-label="Responses">
      <h2>Responses</h2>
      <SelectField label="Survey" value={surveyId} onChange={(e) => setSurveyId(e.currentTarget.value)}>
        {surveys.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </SelectField>
      <ErrorNote message={loaded.error} />
      {rows.length === 0 && loaded.data ? <p>No responses yet.</p> : null}
      {rows.length > 0 ? (
        <table class="admin__table">
          <thead>
            <tr>
              <th scope="col">Answered</th>
              <th scope="col">Chat</th>
              {survey.questions.map((q) => (
                <th scope="col" key={q.id}>
                  {q.text}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>{when(r.created)}</td>
                <td>{r.chatId}</td>
                {survey.questions.map((q) => (
                  <td key={q.id}>{text(r, q.id)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {next ? (
        <Button
          variant="secondary"
          onClick={async () => {
            const page = await client.surveys.responses(surveyId, { limit: 50, cursor: next });
            setMore({ rows: [...(more?.rows ?? []), ...page.responses], next: page.next });
          }}
        >
          More responses
        </Button>
      ) : null}
    </section>
  );
}
