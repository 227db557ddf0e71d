// 한국어: report 화면의 메시지. report.en.ts와 키가 같아야 합니다.
import type { reportEn } from './report.en.ts';

export const reportKo: Record<keyof typeof reportEn, string> = {
  'report.title': '리포트',
};
