// OpenAPI answers of the subject endpoints: the timeline of events and firings.
import { Type } from '@sinclair/typebox';
import { Answer, Json, PageOf, Time } from './common.ts';

export const SubjectTimelineItem = Answer({
  kind: Type.Union([Type.Literal('event'), Type.Literal('firing')]),
  time: Time('Arrival of an event, time of a firing'),
  event: Type.Optional(Json('The stored event, as GET /v1/events lists it')),
  firing: Type.Optional(Json('The firing, as GET /v1/firings lists it')),
}, 'One entry of a subject timeline');

export const SubjectTimelinePage = PageOf(SubjectTimelineItem, "A subject's events and firings, newest first; `next` is `<events>.<firings>`");
