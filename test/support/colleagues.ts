// The two employees most client and protocol tests look through: anna.meier, and beat.keller sharing his calendar with her.
import { addEmployee, addShare, type BuilderDb } from './builders.js';

/** Adds anna.meier and beat.keller, then shares beat's calendar with anna (her termine-beat.keller). */
export async function addAnnaAndBeat(db: BuilderDb): Promise<{ anna: string; beat: string }> {
  const anna = await addEmployee(db, { username: 'anna.meier' });
  const beat = await addEmployee(db, { username: 'beat.keller' });
  await addShare(db, beat, anna);
  return { anna, beat };
}
