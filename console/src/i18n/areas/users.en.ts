// English messages of the console's users page(s); merged into the one catalogue by ../en.ts.
export const usersEn = {
  'users.title': 'Users',
} as const;
