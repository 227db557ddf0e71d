// 한국어: editor 화면의 메시지. editor.en.ts와 키가 같아야 합니다.
import type { editorEn } from './editor.en.ts';

export const editorKo: Record<keyof typeof editorEn, string> = {
  'editor.title': '규칙 편집',
};
