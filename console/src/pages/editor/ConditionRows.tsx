// A CEL condition built from field / operator / value rows (fields suggested from the event catalogue), with
// the CEL it writes and the rows read back as a sentence; or raw CEL for what rows cannot say. A condition that
// cannot be read back into rows opens as raw CEL, so no text is ever lost.
import { useEffect, useId, useState } from 'react';
import { useT } from '../../i18n/index.tsx';
import type { MessageKey } from '../../i18n/en.ts';
import { useEditor, suggestions } from './context.tsx';
import { fieldId, getAt } from './path.ts';
import { kindOf, OPERATORS, parseRows, rowsCel, type Operator, type Row, type Rows, type ValueKind } from './conditions.ts';

const OP_KEY: Record<Operator, MessageKey> = {
  '==': 'editor.op.eq', '!=': 'editor.op.ne', '>=': 'editor.op.ge', '>': 'editor.op.gt', '<=': 'editor.op.le', '<': 'editor.op.lt',
  contains: 'editor.op.contains', startsWith: 'editor.op.startsWith', endsWith: 'editor.op.endsWith', in: 'editor.op.in', exists: 'editor.op.exists',
};
const SENTENCE: Record<Operator, MessageKey> = {
  '==': 'editor.sent.eq', '!=': 'editor.sent.ne', '>=': 'editor.sent.ge', '>': 'editor.sent.gt', '<=': 'editor.sent.le', '<': 'editor.sent.lt',
  contains: 'editor.sent.contains', startsWith: 'editor.sent.startsWith', endsWith: 'editor.sent.endsWith', in: 'editor.sent.in', exists: 'editor.sent.exists',
};
const HELP: Record<Operator, MessageKey> = {
  '==': 'editor.help.eq', '!=': 'editor.help.ne', '>=': 'editor.help.ge', '>': 'editor.help.gt', '<=': 'editor.help.le', '<': 'editor.help.lt',
  contains: 'editor.help.contains', startsWith: 'editor.help.startsWith', endsWith: 'editor.help.endsWith', in: 'editor.help.in', exists: 'editor.help.exists',
};
const KIND_KEY: Record<ValueKind, MessageKey> = { number: 'editor.kind.number', string: 'editor.kind.string', boolean: 'editor.kind.boolean' };

export function ConditionRows({ path, label, types }: { path: string; label: string; types: readonly string[] }) {
  const t = useT();
  const { doc, update, errors, catalogue, checks } = useEditor();
  const source = getAt(doc, path);
  const text = typeof source === 'string' ? source : '';
  const [rows, setRows] = useState<Rows | undefined>(() => parseRows(text));
  const [raw, setRaw] = useState(() => parseRows(text) === undefined);
  const [notice, setNotice] = useState<string>();
  const listId = useId();
  const id = fieldId(path);
  const error = errors.get(path);

  // An edit elsewhere (YAML, a version rolled back) changes the condition: read it back into rows if it can be.
  useEffect(() => {
    if (rows && rowsCel(rows) === text) return;
    const parsed = parseRows(text);
    if (parsed) setRows(parsed);
    else setRaw(true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  const { properties } = suggestions(catalogue, types);
  const fields = [...[...properties.keys()].map((p) => `event.properties.${p}`), 'event.type', 'event.subject'];
  const write = (next: Rows) => { setRows(next); const cel = rowsCel(next); update(path, cel === '' ? undefined : cel); };
  const change = (i: number, patch: Partial<Row>) => {
    if (!rows) return;
    const list = rows.rows.map((r, j) => {
      if (j !== i) return r;
      const row = { ...r, ...patch };
      // The catalogue's type of the field decides how the value is written (30 or "30"), unless chosen by hand.
      if (patch.field !== undefined || patch.value !== undefined) {
        const known = properties.get(row.field.replace(/^event\.properties\./, ''))?.types;
        if (patch.kind === undefined) row.kind = kindOf(known, row.value);
      }
      return row;
    });
    write({ ...rows, rows: list });
  };
  const toRows = () => {
    const parsed = parseRows(text);
    if (!parsed) { setNotice(t('editor.cond.cannotRows')); return; }
    setNotice(undefined); setRows(parsed); setRaw(false);
  };
  // The last test's check of a row's field, with the value it saw ("✗ event.properties.total = 12, not ≥ 30").
  const seen = (row: Row) => (row.field.trim() ? checks.find((c) => c.includes(`${row.field} `) || c.endsWith(row.field)) : undefined);
  const example = (field: string) => {
    const p = properties.get(field.replace(/^event\.properties\./, ''));
    return p && p.example !== undefined ? t('editor.cond.example', { value: JSON.stringify(p.example) }) : undefined;
  };

  return (
    <fieldset className="conditions" id={raw ? undefined : id} tabIndex={-1} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{label}</legend>
      <div className="row-actions">
        {raw
          ? <button type="button" className="button subtle" onClick={toRows}>{t('editor.cond.asRows')}</button>
          : <button type="button" className="button subtle" onClick={() => { setNotice(undefined); setRaw(true); }}>{t('editor.cond.asCel')}</button>}
      </div>
      {notice && <p className="warning" role="status">{notice}</p>}
      {raw || !rows ? (
        <div className="field">
          <label htmlFor={id}>{t('editor.cond.cel')}</label>
          <textarea id={id} rows={3} spellCheck={false} value={text} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : `${id}-hint`}
            onChange={(e) => update(path, e.target.value === '' ? undefined : e.target.value)} />
          <span className="hint" id={`${id}-hint`}>{t('editor.cond.celHint')}</span>
        </div>
      ) : (
        <>
          <datalist id={listId}>{fields.map((f) => <option key={f} value={f} />)}</datalist>
          {rows.rows.length === 0 && <p className="muted small">{t('editor.cond.none')}</p>}
          {rows.rows.length > 1 && (
            <div className="field inline">
              <label htmlFor={`${id}-join`}>{t('editor.cond.join')}</label>
              <select id={`${id}-join`} value={rows.join} onChange={(e) => write({ ...rows, join: e.target.value as '&&' | '||' })}>
                <option value="&&">{t('editor.cond.all')}</option>
                <option value="||">{t('editor.cond.any')}</option>
              </select>
            </div>
          )}
          <ol className="cond-rows">
            {rows.rows.map((row, i) => (
              <li key={i} className="cond-row" data-testid="condition-row">
                <div className="field grow">
                  <label htmlFor={`${id}-f${i}`}>{t('editor.cond.field', { n: i + 1 })}</label>
                  <input id={`${id}-f${i}`} type="text" list={listId} autoComplete="off" spellCheck={false} value={row.field} placeholder="event.properties.total" onChange={(e) => change(i, { field: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-o${i}`}>{t('editor.cond.operator', { n: i + 1 })}</label>
                  <select id={`${id}-o${i}`} value={row.op} aria-describedby={`${id}-h${i}`} onChange={(e) => change(i, { op: e.target.value as Operator })}>
                    {OPERATORS.map((op) => <option key={op} value={op}>{t(OP_KEY[op])}</option>)}
                  </select>
                </div>
                {row.op !== 'exists' && (
                  <>
                    <div className="field grow">
                      <label htmlFor={`${id}-v${i}`}>{t('editor.cond.value', { n: i + 1 })}</label>
                      <input id={`${id}-v${i}`} type="text" autoComplete="off" value={row.value} placeholder={example(row.field)} aria-describedby={example(row.field) ? `${id}-x${i}` : undefined} onChange={(e) => change(i, { value: e.target.value })} />
                      {example(row.field) && <span className="hint" id={`${id}-x${i}`}>{example(row.field)}</span>}
                    </div>
                    <div className="field">
                      <label htmlFor={`${id}-k${i}`}>{t('editor.cond.kind', { n: i + 1 })}</label>
                      <select id={`${id}-k${i}`} value={row.kind} onChange={(e) => change(i, { kind: e.target.value as ValueKind })}>
                        {(['number', 'string', 'boolean'] as const).map((k) => <option key={k} value={k}>{t(KIND_KEY[k])}</option>)}
                      </select>
                    </div>
                  </>
                )}
                <button type="button" className="button subtle remove" onClick={() => write({ ...rows, rows: rows.rows.filter((_, j) => j !== i) })}>
                  {t('editor.cond.remove', { n: i + 1 })}
                </button>
                <p className="op-help hint" id={`${id}-h${i}`}>{t(HELP[row.op])}</p>
                {seen(row) && <p className={`seen ${seen(row)!.startsWith('✗') ? 'failed' : 'passed'}`} data-testid={`seen-${i + 1}`}>{t('editor.cond.lastTest', { check: seen(row)! })}</p>}
              </li>
            ))}
          </ol>
          <button type="button" className="button" onClick={() => setRows({ ...rows, rows: [...rows.rows, { field: '', op: '==', value: '', kind: 'string' }] })}>{t('editor.cond.add')}</button>
          {rows.rows.some((r) => r.field.trim()) && (
            <>
              <p className="sentence" data-testid="condition-sentence">{sentence(rows, t)}</p>
              <p className="small muted">{t('editor.cond.writtenAs')} <code data-testid="condition-cel">{rowsCel(rows)}</code></p>
            </>
          )}
        </>
      )}
      {error && <p className="field-error" id={`${id}-error`}>{error}</p>}
    </fieldset>
  );
}

/** The rows read back in words: "total is at least 30 and plan is one of pro, team". */
function sentence(rows: Rows, t: ReturnType<typeof useT>): string {
  const parts = rows.rows.filter((r) => r.field.trim()).map((r) => t(SENTENCE[r.op], {
    field: r.field.replace(/^event\.properties\./, '').replace(/^event\./, ''), value: r.kind === 'string' && r.op !== 'in' ? `"${r.value}"` : r.value,
  }));
  return t(rows.join === '&&' ? 'editor.cond.sentenceAll' : 'editor.cond.sentenceAny', { list: parts.join(t(rows.join === '&&' ? 'editor.cond.and' : 'editor.cond.or')) });
}
