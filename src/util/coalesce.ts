// Work that must never overlap itself (a pass over the shells, a sync with etcd): a call while a
// run is under way asks for one more run after it, and any number of such calls are that one run.

/**
 * `body` run now, or once more after the run under way. `more()` is asked before each rerun
 * (false: stopped, no rerun). What `body` throws ends the runs and reaches the caller of the call
 * that started them; callers that must carry on catch inside `body`.
 */
export function coalescing(body: () => Promise<void>, more: () => boolean = () => true): () => Promise<void> {
  let running = false;
  let again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await body();
      } while (again && more());
    } finally {
      running = false;
    }
  };
}
