// 한국어: users 화면의 메시지. users.en.ts와 키가 같아야 합니다.
import type { usersEn } from './users.en.ts';

export const usersKo: Record<keyof typeof usersEn, string> = {
  'users.title': '사용자와 키',
};
