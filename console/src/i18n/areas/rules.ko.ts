// 한국어: rules 화면의 메시지. rules.en.ts와 키가 같아야 합니다.
import type { rulesEn } from './rules.en.ts';

export const rulesKo: Record<keyof typeof rulesEn, string> = {
  'rules.title': '규칙',
};
