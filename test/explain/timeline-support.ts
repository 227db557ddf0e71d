// What the subject timeline tests read straight from the file.
import type Database from 'better-sqlite3';
import { blockEntries, unpackSeqs } from '../../src/store/sqlite/subject-timeline-codec.ts';

/** Every seq in a live run of the subject timeline. */
export function indexedSeqs(db: Database.Database): number[] {
  const rows = db.prepare("SELECT t.first_hash, t.block FROM subject_timeline t JOIN subject_timeline_runs r USING (run) WHERE r.state = 'live'").raw().all() as [number, Buffer][];
  return rows.flatMap(([firstHash, bytes]) => [...blockEntries({ firstHash, bytes })].flatMap((e) => unpackSeqs(e.seqs)));
}
