import type { SurveyDefinition, SurveyQuestion } from '../apps/survey-settings.ts';
import { fill, SURVEY_PAGE_TEXT as TEXT } from './survey-text.ts';

/** The hosted survey page's HTML (docs/surveys.md): no framework, no script but the answer notice. */

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The one script of the page: shown with the thanks, it tells the window that embeds the page (an
 * iframe's parent, a webview's opener) that the survey was answered, as HyperChat integrations expect.
 * Constant, so the CSP allows it by its hash.
 */
export const ANSWERED_SCRIPT =
  'if(window.parent!==window)window.parent.postMessage({message:"inbenta.survey.successful_answer"},"*");';

const STYLE = `
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#57606a;--accent:#0b57d0;--line:#d0d7de;--bad:#b42318}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--accent:#6ea8fe;--line:#30363d;--bad:#ff8182}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:36rem;margin:0 auto;padding:1.25rem}h1{font-size:1.3rem;margin:0 0 .25rem}p{margin:.25rem 0 1rem;color:var(--muted)}
fieldset{border:1px solid var(--line);border-radius:.5rem;margin:0 0 1rem;padding:.75rem 1rem}legend,label.q{font-weight:600;padding:0 .25rem}
.scale{display:flex;gap:.5rem;flex-wrap:wrap}.scale label{display:flex;flex-direction:column;align-items:center;min-width:2.75rem;padding:.25rem;border:1px solid var(--line);border-radius:.5rem;cursor:pointer}
.scale input{margin:0 0 .25rem}.hint{font-size:.85rem;color:var(--muted);margin:.25rem 0 0}
.choices label{display:block;padding:.2rem 0;cursor:pointer}
textarea{width:100%;min-height:5rem;font:inherit;color:inherit;background:transparent;border:1px solid var(--line);border-radius:.5rem;padding:.5rem}
.field{margin:0 0 1rem}.field label.q{display:block;padding:0 0 .25rem}
button{font:inherit;font-weight:600;color:#fff;background:var(--accent);border:0;border-radius:.5rem;padding:.6rem 1.2rem;cursor:pointer}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.errors{border:1px solid var(--bad);color:var(--bad);border-radius:.5rem;padding:.5rem 1rem;margin:0 0 1rem}.errors ul{margin:.25rem 0 0;padding-left:1.2rem}
.done{font-size:1.1rem;color:var(--fg)}
`;

function page(title: string, body: string, script?: string): string {
  return `<!doctype html>
<html lang="${TEXT.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main>${script ? `<script>${script}</script>` : ''}</body></html>`;
}

/** A page that only says something: thanks (with the answered notice), expired, invalid, … */
export function noticePage(title: string, message: string, answered = false): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1><p class="done" role="status">${escapeHtml(message)}</p>`,
    answered ? ANSWERED_SCRIPT : undefined,
  );
}

/** What the form was sent with, to show again beside its errors. */
export type Draft = Record<string, string>;

const requiredMark = (q: SurveyQuestion) =>
  q.required ? ` <span class="hint">${escapeHtml(TEXT.requiredMark)}</span>` : '';

function questionHtml(q: SurveyQuestion, index: number, draft: Draft, firstRating: boolean): string {
  const name = `q.${q.id}`;
  const value = draft[name] ?? '';
  const req = q.required ? ' required' : '';
  if (q.type === 'text') {
    const id = `q${index}`;
    return `<div class="field"><label class="q" for="${id}">${escapeHtml(q.text)}${requiredMark(q)}</label><textarea id="${id}" name="${escapeHtml(name)}" maxlength="2000"${req}>${escapeHtml(value)}</textarea></div>`;
  }
  if (q.type === 'rating') {
    // The first rating question is the group "Rating" (its question its description), as in the widget.
    const hintId = `q${index}-hint`;
    const descId = `q${index}-text`;
    const radios = [1, 2, 3, 4, 5]
      .map(
        (n) =>
          `<label><input type="radio" name="${escapeHtml(name)}" value="${n}"${value === String(n) ? ' checked' : ''}${req}>${n}</label>`,
      )
      .join('');
    const legend = firstRating ? TEXT.ratingName : q.text;
    const text = firstRating
      ? `<p class="hint" id="${descId}">${escapeHtml(q.text)}${requiredMark(q)}</p>`
      : '';
    return `<fieldset role="radiogroup" aria-describedby="${firstRating ? `${descId} ` : ''}${hintId}"><legend>${escapeHtml(legend)}${firstRating ? '' : requiredMark(q)}</legend>${text}<div class="scale">${radios}</div><p class="hint" id="${hintId}">${escapeHtml(TEXT.ratingHint)}</p></fieldset>`;
  }
  const options = (q.options ?? [])
    .map(
      (option) =>
        `<label><input type="radio" name="${escapeHtml(name)}" value="${escapeHtml(option)}"${value === option ? ' checked' : ''}${req}> ${escapeHtml(option)}</label>`,
    )
    .join('');
  return `<fieldset role="radiogroup"><legend>${escapeHtml(q.text)}${requiredMark(q)}</legend><div class="choices">${options}</div></fieldset>`;
}

/** The survey's form; `errors` (already worded) above it when a sending was refused. */
export function formPage(
  survey: SurveyDefinition,
  token: string,
  draft: Draft = {},
  errors: string[] = [],
): string {
  const firstRating = survey.questions.findIndex((q) => q.type === 'rating');
  const questions = survey.questions.map((q, i) => questionHtml(q, i, draft, i === firstRating)).join('');
  const errorList =
    errors.length > 0
      ? `<div class="errors" role="alert"><strong>${escapeHtml(TEXT.errorsTitle)}</strong><ul>${errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul></div>`
      : '';
  return page(
    survey.name,
    `<h1 id="survey-title">${escapeHtml(survey.name)}</h1><p>${escapeHtml(TEXT.intro)}</p>${errorList}
<form method="post" action="/survey/" aria-label="${escapeHtml(TEXT.formName)}"><input type="hidden" name="t" value="${escapeHtml(token)}">${questions}<button type="submit">${escapeHtml(TEXT.send)}</button></form>`,
  );
}

/** Words for the answers' problems, by question. */
export function answerErrors(
  survey: SurveyDefinition,
  details: readonly { field: string; message: string }[],
  answered: readonly string[],
): string[] {
  const out: string[] = [];
  for (const detail of details) {
    const required = /^question (\S+) is required$/.exec(detail.message);
    if (required) {
      const q = survey.questions.find((x) => x.id === required[1]);
      if (q) out.push(fill(TEXT.requiredMissing, { question: q.text }));
      continue;
    }
    const index = /^answers\.(\d+)/.exec(detail.field);
    const q = index ? survey.questions.find((x) => x.id === answered[Number(index[1])]) : undefined;
    out.push(fill(TEXT.badAnswer, { question: q?.text ?? detail.message }));
  }
  return out;
}
