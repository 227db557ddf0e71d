// Messages name commands between backticks (`ifthen dlq ls`); they are shown as code, so they read as something to type.
export function WithCode({ text }: { text: string }) {
  return <>{text.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>;
}
