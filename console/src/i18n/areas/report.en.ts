// English messages of the console's report page(s); merged into the one catalogue by ../en.ts.
export const reportEn = {
  'report.title': 'Report',
} as const;
