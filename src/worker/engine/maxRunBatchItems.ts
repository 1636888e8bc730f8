/**
 * Most items one Engine.runBatch call takes. A batch is one task of the engine's queue (pause and
 * the duty cycle act between tasks), so it is kept short: batches are for models whose runs take
 * a few milliseconds, where the per-call messaging is worth saving.
 */
export const MAX_RUN_BATCH_ITEMS = 64
