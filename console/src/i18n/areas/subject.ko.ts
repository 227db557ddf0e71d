// 한국어: subject 화면의 메시지. subject.en.ts와 키가 같아야 합니다.
import type { subjectEn } from './subject.en.ts';

export const subjectKo: Record<keyof typeof subjectEn, string> = {
  'subject.title': '대상',
};
