import { useState } from 'preact/hooks';
import type { SurveyQuestion } from '../../src/lib/sdk.ts';
import type { VisitorChat } from './chat.ts';
import type { SurveyView } from './state.ts';
import type { SurveyAnswers } from './survey.ts';

type Values = Record<string, string>;

/** One radio group: the first rating question is "Rating" (its question said under it), the others their text. */
function Radios(props: {
  q: SurveyQuestion;
  name: string;
  choices: string[];
  values: Values;
  set(v: string): void;
}) {
  return (
    <div role="radiogroup" class="group" aria-labelledby={`survey-${props.q.id}-name`}>
      <span class="legend" id={`survey-${props.q.id}-name`}>
        {props.name}
      </span>
      {props.name !== props.q.text ? <p class="hint">{props.q.text}</p> : null}
      {props.choices.map((choice) => (
        <label key={choice}>
          <input
            type="radio"
            name={`survey-${props.q.id}`}
            value={choice}
            required={props.q.required === true}
            checked={props.values[props.q.id] === choice}
            onChange={() => props.set(choice)}
          />
          {choice}
        </label>
      ))}
    </div>
  );
}

/** The post-chat survey (docs/widget.md, "Survey"): a form named "Survey", thanks once sent. */
export function SurveyForm({ chat, view }: { chat: VisitorChat; view: SurveyView }) {
  const [values, setValues] = useState<Values>({});
  if (view.state === 'sent')
    return (
      <p class="survey-thanks" role="status">
        Thank you for your feedback!
      </p>
    );
  const questions = view.survey.questions;
  const firstRating = questions.find((q) => q.type === 'rating')?.id;
  const set = (id: string) => (value: string) => setValues({ ...values, [id]: value });
  return (
    <form
      class="form survey"
      aria-label="Survey"
      onSubmit={(event) => {
        event.preventDefault();
        const answers: SurveyAnswers = questions.flatMap((q) => {
          const value = values[q.id]?.trim();
          if (!value) return [];
          return [{ questionId: q.id, value: q.type === 'rating' ? Number(value) : value }];
        });
        void chat.sendSurvey(answers);
      }}
    >
      <p class="lead">{view.survey.name}</p>
      {questions.map((q) =>
        q.type === 'text' ? (
          <label key={q.id}>
            {q.text}
            <textarea
              maxLength={2000}
              required={q.required === true}
              value={values[q.id] ?? ''}
              onInput={(e) => set(q.id)(e.currentTarget.value)}
            />
          </label>
        ) : (
          <Radios
            key={q.id}
            q={q}
            name={q.id === firstRating ? 'Rating' : q.text}
            choices={q.type === 'rating' ? ['1', '2', '3', '4', '5'] : (q.options ?? [])}
            values={values}
            set={set(q.id)}
          />
        ),
      )}
      {view.error ? (
        <p class="error" role="alert">
          {view.error}
        </p>
      ) : null}
      <button class="primary" type="submit" disabled={view.state === 'sending'}>
        Send survey
      </button>
    </form>
  );
}
