// English messages of the console's subject page(s); merged into the one catalogue by ../en.ts.
export const subjectEn = {
  'subject.title': 'Subject',
} as const;
