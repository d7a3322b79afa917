/** Upper bounds (seconds) of the model-call latency histogram. */
export const LATENCY_BUCKETS_SECONDS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
