// Cancel from the popup frees the disk at once (lifecycle: discardUnfinished).
import { discardUnfinished as discard } from '../state/lifecycle';
import { forgetEstimate } from './quota';

export async function discardUnfinished(regKey: string): Promise<number> {
  const kept = await discard(regKey);
  if (kept === undefined) return 0;
  forgetEstimate();
  return kept;
}
