// English messages of the console's rules page(s); merged into the one catalogue by ../en.ts.
export const rulesEn = {
  'rules.title': 'Rules',
} as const;
