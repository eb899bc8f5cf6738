/**
 * Adapter from the bench's codec round trip to lib/message's API. (Filled in once
 * lib/message exists; until then it reports the codec as unavailable.)
 */
import { Unavailable } from '../lib/machport.js';

export function makeCodecRoundTrip(_msg, _C, _sample) {
  throw new Unavailable('message codec: adapter not written against the codec API yet');
}
