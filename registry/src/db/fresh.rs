//! [`FreshRead`]: one database read shared by every request that may use it, without ever
//! answering a request from a read that began before it arrived.
//!
//! Why: the cached public lists are served from memory, but each request must first read
//! `data_version.catalog_version` so that a write made anywhere (another node, the CLI) is
//! visible on the very next request. Under load that one-row read — a trip to the blocking
//! pool, a pooled connection, a statement — was most of a list request's cost (`GET /courses`
//! at 28 % of the health check's rate, docs/PERFORMANCE.md).
//!
//! The rule that keeps "visible on the very next request": a read that *started* after a
//! request arrived sees every write acknowledged before it arrived, so its value may answer
//! that request. A request therefore waits for the first read to start after its arrival —
//! starting it itself when none is running — and every request that arrives while that read
//! runs waits for the one after. With 64 requests in flight, one read answers dozens of them;
//! alone, a request costs the same one read as before. Hand-written: no crate offers this
//! "single flight, fresh only" rule (single-flight crates share a read already in flight,
//! which could be older than the request).

use std::future::Future;
use std::sync::Mutex;

use tokio::sync::watch;

/// Shares reads of one value (see the module docs).
#[derive(Debug)]
pub struct FreshRead {
    /// How many reads have started, and whether one is running now.
    state: Mutex<(u64, bool)>,
    /// The last completed read: its sequence number and value (sequence 0: none yet).
    done: watch::Sender<(u64, i64)>,
}

impl Default for FreshRead {
    fn default() -> Self {
        FreshRead { state: Mutex::new((0, false)), done: watch::Sender::new((0, 0)) }
    }
}

impl FreshRead {
    /// The value as read by a read that started after this call began: `read` is run by this
    /// caller, or by another caller whose read started after this one arrived. An error is
    /// returned to the caller whose read failed; the others try again.
    pub async fn get<E, F, Fut>(&self, read: F) -> Result<i64, E>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<i64, E>>,
    {
        let mut rx = self.done.subscribe();
        // Any read that starts from now on is fresh for us.
        let need = self.lock().0 + 1;
        loop {
            let (seq, value) = *rx.borrow_and_update();
            if seq >= need {
                return Ok(value);
            }
            let lead = {
                let mut s = self.lock();
                if s.1 {
                    None
                } else {
                    s.0 += 1;
                    s.1 = true;
                    Some(s.0)
                }
            };
            match lead {
                Some(seq) => {
                    // Whatever happens to this future — finished, failed, or dropped mid-read
                    // because the client went away — the guard clears `running` and wakes
                    // the waiters, so one of them reads next instead of waiting for ever.
                    let guard = Leading(self);
                    let result = read().await;
                    if let Ok(value) = &result {
                        self.lock().1 = false;
                        self.done.send_replace((seq, *value));
                        std::mem::forget(guard);
                    }
                    return result;
                }
                // A read is running, but it may have started before we arrived: wait for it
                // to finish, then take its value if it is fresh for us, or lead the next.
                None => {
                    if rx.changed().await.is_err() {
                        return read().await;
                    }
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, bool)> {
        // The lock only guards two integers and never panics while held.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Held by the caller whose read is running; dropped without a value (an error, or the
/// future dropped), it lets the next caller lead.
struct Leading<'a>(&'a FreshRead);

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        self.0.lock().1 = false;
        self.0.done.send_modify(|_| {});
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

    use super::*;

    /// The property that matters: no caller ever gets a value older than the store's value
    /// when it called. A "store" whose value goes up on every write; writers and readers race.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_caller_sees_a_value_older_than_at_its_arrival_and_reads_are_shared() {
        let gate = Arc::new(FreshRead::default());
        let store = Arc::new(AtomicI64::new(0));
        let reads = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for t in 0..64 {
            let (gate, store, reads) = (gate.clone(), store.clone(), reads.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0..200 {
                    if (t + i) % 7 == 0 {
                        store.fetch_add(1, Ordering::SeqCst);
                    }
                    let at_arrival = store.load(Ordering::SeqCst);
                    let got = gate
                        .get(|| {
                            let (store, reads) = (store.clone(), reads.clone());
                            async move {
                                reads.fetch_add(1, Ordering::SeqCst);
                                tokio::task::yield_now().await;
                                let v = store.load(Ordering::SeqCst);
                                tokio::task::yield_now().await;
                                Ok::<_, ()>(v)
                            }
                        })
                        .await
                        .unwrap();
                    assert!(got >= at_arrival, "a read older than the request: {got} < {at_arrival}");
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let reads = reads.load(Ordering::SeqCst);
        assert!(reads < 64 * 200, "{reads} reads for {} requests: none shared", 64 * 200);
    }

    /// A client that goes away mid-read drops the leading future: the next caller must still
    /// get a value (the server once hung every list after a load test's connections closed).
    #[tokio::test]
    async fn a_leader_dropped_mid_read_does_not_stall_the_others() {
        let gate = Arc::new(FreshRead::default());
        let stuck = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.get(std::future::pending::<Result<i64, ()>>).await })
        };
        tokio::task::yield_now().await;
        let waiter = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.get(|| async { Ok::<i64, ()>(3) }).await })
        };
        tokio::task::yield_now().await;
        stuck.abort();
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await;
        assert_eq!(got.expect("not stalled").expect("joined"), Ok(3));
        assert_eq!(tokio::time::timeout(std::time::Duration::from_secs(5), gate.get(|| async { Ok::<i64, ()>(4) })).await, Ok(Ok(4)));
    }

    #[tokio::test]
    async fn an_error_goes_to_the_caller_whose_read_failed_and_the_next_call_reads_again() {
        let gate = FreshRead::default();
        assert_eq!(gate.get(|| async { Err::<i64, &str>("down") }).await, Err("down"));
        assert_eq!(gate.get(|| async { Ok::<i64, &str>(7) }).await, Ok(7));
    }
}
