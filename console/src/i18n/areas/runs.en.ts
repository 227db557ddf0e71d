// English messages of the console's runs page(s); merged into the one catalogue by ../en.ts.
export const runsEn = {
  'runs.title': 'Runs',
} as const;
