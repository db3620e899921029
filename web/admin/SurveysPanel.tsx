import { useEffect, useState } from 'preact/hooks';
import { describeError, useLoad } from '../src/lib/hooks.ts';
import { type Client, readSettings } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field, SelectField } from '../src/ui/index.ts';
import { SurveyResponses } from './SurveyResponses.tsx';
import {
  newQuestion,
  newSurvey,
  type QuestionDraft,
  type SurveyDraft,
  toSurveyDrafts,
  toSurveys,
} from './survey-draft.ts';

/** Post-chat surveys (docs/surveys.md): define surveys and their questions, pick the one sent on close, read responses. */
export function SurveysPanel({ client }: { client: Client }) {
  const loaded = useLoad(() => readSettings(client), [client]);
  const [drafts, setDrafts] = useState<SurveyDraft[] | undefined>(undefined);
  const [onClose, setOnClose] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!loaded.data) return;
    setDrafts(toSurveyDrafts(loaded.data));
    setOnClose(loaded.data.survey.onClose ?? '');
  }, [loaded.data]);
  if (!drafts || !loaded.data) return <ErrorNote message={loaded.error} />;

  const change = (next: SurveyDraft[]) => {
    setSaved(false);
    setDrafts(next);
  };
  const setSurvey = (i: number, patch: Partial<SurveyDraft>) =>
    change(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const setQuestion = (i: number, k: number, patch: Partial<QuestionDraft>) =>
    setSurvey(i, { questions: drafts[i]!.questions.map((q, j) => (j === k ? { ...q, ...patch } : q)) });

  async function save(event: Event) {
    event.preventDefault();
    setError(undefined);
    try {
      const surveys = toSurveys(drafts!);
      const chosen = surveys.some((s) => s.id === onClose) ? onClose : null;
      await client.settings.update({ surveys, survey: { onClose: chosen } });
      setSaved(true);
      await loaded.reload();
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  const saved_ = loaded.data.surveys;
  return (
    <>
      <form class="admin__settings" onSubmit={save} aria-label="Surveys">
        <fieldset class="sb-card">
          <legend>On close</legend>
          <SelectField
            label="Survey sent when a chat closes"
            value={onClose}
            onChange={(e) => {
              setSaved(false);
              setOnClose(e.currentTarget.value);
            }}
          >
            <option value="">None</option>
            {drafts.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name || d.id}
              </option>
            ))}
          </SelectField>
        </fieldset>
        {drafts.map((d, i) => (
          <fieldset class="sb-card" key={i} aria-label={`Survey ${d.name || d.id}`}>
            <legend>{d.name || d.id}</legend>
            <Field
              label="Survey id"
              value={d.id}
              onInput={(e) => setSurvey(i, { id: e.currentTarget.value })}
            />
            <Field
              label="Survey name"
              value={d.name}
              onInput={(e) => setSurvey(i, { name: e.currentTarget.value })}
            />
            <Field
              label="Rooms"
              hint="Room ids, comma-separated; empty = every room"
              value={d.rooms}
              onInput={(e) => setSurvey(i, { rooms: e.currentTarget.value })}
            />
            {d.questions.map((q, k) => (
              <fieldset class="admin__question" key={k}>
                <legend>{`Question ${k + 1}`}</legend>
                <Field
                  label="Question id"
                  value={q.id}
                  onInput={(e) => setQuestion(i, k, { id: e.currentTarget.value })}
                />
                <SelectField
                  label="Type"
                  value={q.type}
                  onChange={(e) =>
                    setQuestion(i, k, { type: e.currentTarget.value as QuestionDraft['type'] })
                  }
                >
                  <option value="rating">Rating (1–5)</option>
                  <option value="choice">Choice</option>
                  <option value="text">Text</option>
                </SelectField>
                <Field
                  label="Question"
                  value={q.text}
                  onInput={(e) => setQuestion(i, k, { text: e.currentTarget.value })}
                />
                {q.type === 'choice' ? (
                  <Field
                    label="Options"
                    hint="Comma-separated"
                    value={q.options}
                    onInput={(e) => setQuestion(i, k, { options: e.currentTarget.value })}
                  />
                ) : null}
                <label class="admin__check">
                  <input
                    type="checkbox"
                    checked={q.required}
                    onChange={(e) => setQuestion(i, k, { required: e.currentTarget.checked })}
                  />{' '}
                  Required
                </label>
                <Button
                  variant="secondary"
                  small
                  onClick={() => setSurvey(i, { questions: d.questions.filter((_, j) => j !== k) })}
                >
                  Remove question
                </Button>
              </fieldset>
            ))}
            <div class="admin__row">
              <Button
                variant="secondary"
                small
                onClick={() =>
                  setSurvey(i, { questions: [...d.questions, newQuestion(d.questions.length + 1)] })
                }
              >
                Add question
              </Button>
              <Button variant="secondary" small onClick={() => change(drafts.filter((_, j) => j !== i))}>
                Remove survey
              </Button>
            </div>
          </fieldset>
        ))}
        <ErrorNote message={error} />
        {saved ? (
          <p role="status" class="admin__saved">
            Surveys saved.
          </p>
        ) : null}
        <div class="admin__row">
          <Button variant="secondary" onClick={() => change([...drafts, newSurvey(drafts.length + 1)])}>
            Add survey
          </Button>
          <Button type="submit">Save surveys</Button>
        </div>
      </form>
      {saved_.length > 0 ? <SurveyResponses client={client} surveys={saved_} /> : null}
    </>
  );
}
