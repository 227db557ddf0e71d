// 한국어: runs 화면의 메시지. runs.en.ts와 키가 같아야 합니다.
import type { runsEn } from './runs.en.ts';

export const runsKo: Record<keyof typeof runsEn, string> = {
  'runs.title': '실행 기록',
};
