// Loaded with `node --import` into the Ceramic daemon only. The node polls its anchor requests once a
// minute at most (DEFAULT_MIN_ANCHOR_LOOP_DURATION_MS in @ceramicnetwork/core), and the daemon offers no
// setting for it: on the inmemory network anchors are instant, so poll every second and a new commit
// reaches ANCHORED in about a second instead of up to a minute.
import { Ceramic } from '@ceramicnetwork/core';

const ANCHOR_LOOP_MS = 1_000;
const processConfig = Ceramic._processConfig;
Ceramic._processConfig = function (ipfs, config, versionInfo) {
  return processConfig.call(this, ipfs, { ...config, anchorLoopMinDurationMs: ANCHOR_LOOP_MS }, versionInfo);
};
