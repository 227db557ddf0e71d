// English messages of the console's editor page(s); merged into the one catalogue by ../en.ts.
export const editorEn = {
  'editor.title': 'Editor',
} as const;
