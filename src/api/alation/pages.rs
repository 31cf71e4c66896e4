//! Reading a long schema, table or column list with several pages in flight.
//!
//! Alation gives no total count and pages with `skip`, so the pages of one paging run
//! can only be read one after the other. A long list is therefore split into windows of
//! ids (`id__gte` / `id__lt`, common filters of the Relational Integration API, §5),
//! each paged on its own, [`AlationClient::parallelism`] windows at a time:
//!
//! 1. the first page is read with `order_by=id`; without an `X-Next-Page` it is the
//!    whole list (one request, as before);
//! 2. otherwise the highest id is asked for (`order_by=-id&limit=1`), and the id range
//!    is cut into windows of equal width, one per four pages the first page's density
//!    predicts, at most two per request in flight; the first window has no lower
//!    bound and the last none above, so together they cover every possible id once;
//! 3. every window is paged with `order_by=id`, following `X-Next-Page`, in its own
//!    task (so pages are decoded on every worker thread), and the windows are joined in
//!    id order. The first page is read again as part of its window: its objects are
//!    not assumed to be the lowest ids, so nothing depends on the server's ordering.
//!
//! What is guaranteed: the windows are disjoint and cover all ids, so the result is the
//! same set of objects as one unsplit paging run; an object is never returned twice
//! across windows, and every object returned is checked to lie in its window (a server
//! that ignored the filters would otherwise return duplicates: that is an error naming
//! the endpoint). An object created during the read is returned at most once (new ids
//! land in the last, open window, read in id order); one deleted during the read may
//! shift the `skip` of its own window only, as it would shift an unsplit run.
//!
//! Choices on UNVERIFIED points (§2.3, §15.2): `order_by=-id` sorts by descending id
//! (Django's convention, which the `order_by` filter follows). A server that refuses
//! it (400) or answers with a lower id than the first page holds is read the old way,
//! page after page from the first page, which is kept.

use futures::{StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use super::wire::Identified;
use super::{AlationClient, AlationError};

/// Windows per request in flight: enough that a slow window does not leave the others
/// idle, few enough that the extra last-page requests (one per window) stay small.
const WINDOWS_PER_SLOT: usize = 2;

/// Expected pages per window, at least: each window may end with a partial page, so
/// this bounds the extra requests to about a quarter of the list's pages (a 200-page
/// list read 8 at a time makes 16 windows, about 8 % more requests).
const PAGES_PER_WINDOW: usize = 4;

/// One window of ids: `[from, to)`, unbounded where `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    from: Option<i64>,
    to: Option<i64>,
}

impl Window {
    fn contains(&self, id: i64) -> bool {
        self.from.is_none_or(|f| id >= f) && self.to.is_none_or(|t| id < t)
    }

    fn query(&self) -> String {
        let mut q = String::new();
        if let Some(from) = self.from {
            q.push_str(&format!("&id__gte={from}"));
        }
        if let Some(to) = self.to {
            q.push_str(&format!("&id__lt={to}"));
        }
        q
    }
}

impl AlationClient {
    /// Every object of the list at `path_and_query` (carrying its filters, with a `?`),
    /// several pages in flight (see the module docs).
    pub(crate) async fn get_all_windowed<T>(
        &self,
        path_and_query: &str,
    ) -> Result<Vec<T>, AlationError>
    where
        T: DeserializeOwned + Identified + Send + 'static,
    {
        self.get_all_windowed_map(path_and_query, Some).await
    }

    /// Like [`get_all_windowed`](Self::get_all_windowed), with each object turned by
    /// `map` as soon as its page is decoded (on the worker that read it), an object
    /// mapped to `None` left out: a long list is never held in its wire form.
    pub(crate) async fn get_all_windowed_map<T, U, F>(
        &self,
        path_and_query: &str,
        map: F,
    ) -> Result<Vec<U>, AlationError>
    where
        T: DeserializeOwned + Identified + Send + 'static,
        U: Send + 'static,
        F: Fn(T) -> Option<U> + Send + Sync + 'static,
    {
        let map = std::sync::Arc::new(map);
        let ordered = format!("{path_and_query}&order_by=id");
        let first_page = self.with_limit(&ordered, self.page_size());
        let (first, next) = self.get_page::<T>(&first_page).await?;
        let mapped = |page: Vec<T>| -> Vec<U> { page.into_iter().filter_map(&*map).collect() };
        let Some(next) = next else {
            return Ok(mapped(first));
        };
        if next == first_page {
            return Err(self.refuse(
                &next,
                format!("`X-Next-Page` points back to `{next}`, a page already read"),
            ));
        }
        let (Some(low), Some(high_seen)) = (
            first.iter().map(Identified::id).min(),
            first.iter().map(Identified::id).max(),
        ) else {
            return self
                .follow_mapped(next, mapped(first), |page| Ok(mapped(page)))
                .await;
        };
        if self.parallelism() < 2 {
            return self
                .follow_mapped(next, mapped(first), |page| Ok(mapped(page)))
                .await;
        }
        let last = self.with_limit(&format!("{path_and_query}&order_by=-id"), 1);
        let high = match self.get_page::<T>(&last).await {
            Ok((items, _)) => items.first().map(Identified::id),
            Err(AlationError::Http(err)) if err.status() == Some(400) => None,
            Err(err) => return Err(err),
        };
        let Some(high) = high.filter(|h| *h >= high_seen) else {
            tracing::debug!(
                list = path_and_query,
                "no descending order: paging one page at a time"
            );
            return self
                .follow_mapped(next, mapped(first), |page| Ok(mapped(page)))
                .await;
        };
        let count = windows(
            first.len(),
            low,
            high_seen,
            high,
            self.page_size(),
            self.parallelism() * WINDOWS_PER_SLOT,
        );
        drop(first);
        let windows = split(low, high, count);
        let tasks = windows.into_iter().map(|window| {
            let client = self.clone();
            let page = self.with_limit(&format!("{ordered}{}", window.query()), self.page_size());
            let list = path_and_query.to_owned();
            let outer = self.clone();
            let outer_list = list.clone();
            let map = std::sync::Arc::clone(&map);
            async move {
                let read = tokio::spawn(async move {
                    let checker = client.clone();
                    client
                        .follow_mapped(page, Vec::new(), move |items: Vec<T>| {
                            if let Some(stray) = items.iter().find(|i| !window.contains(i.id())) {
                                return Err(checker.refuse(
                                    &list,
                                    format!(
                                        "object {} lies outside the requested ids {}: the server ignores `id__gte`/`id__lt`",
                                        stray.id(),
                                        window.query().trim_start_matches('&')
                                    ),
                                ));
                            }
                            Ok(items.into_iter().filter_map(&*map).collect())
                        })
                        .await
                });
                // A read given up (another window failed, the command stopped) stops
                // its window too, instead of paging on in the background.
                let _stop = AbortOnDrop(read.abort_handle());
                read.await
                    .map_err(|e| outer.refuse(&outer_list, format!("a page reader stopped: {e}")))?
            }
        });
        let parts: Vec<Vec<U>> = futures::stream::iter(tasks)
            .buffered(self.parallelism())
            .try_collect()
            .await?;
        let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        for part in parts {
            all.extend(part);
        }
        Ok(all)
    }
}

/// Aborts a spawned window read when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How many windows to cut `[low, high]` into: one per [`PAGES_PER_WINDOW`] pages
/// expected from the density of the first page (`seen` objects between `low` and
/// `high_seen`), at least 2 (there is a further page), at most `most`.
fn windows(seen: usize, low: i64, high_seen: i64, high: i64, page: u32, most: usize) -> usize {
    let span_seen = (high_seen as f64 - low as f64 + 1.0).max(1.0);
    let span = high as f64 - low as f64 + 1.0;
    let expected = seen as f64 * span / span_seen;
    let pages = (expected / f64::from(page.max(1))).ceil() as usize;
    pages.div_ceil(PAGES_PER_WINDOW).clamp(2, most.max(2))
}

/// `count` windows of equal width over `[low, high]`, the first unbounded below and the
/// last above; never an empty window (fewer when the range is narrow).
fn split(low: i64, high: i64, count: usize) -> Vec<Window> {
    let width = (i128::from(high) - i128::from(low) + 1).max(1);
    let count = (count as i128).clamp(1, width);
    let mut bounds: Vec<i64> = (1..count)
        .map(|i| (i128::from(low) + width * i / count) as i64)
        .collect();
    bounds.dedup();
    let mut windows = Vec::with_capacity(bounds.len() + 1);
    let mut from = None;
    for b in bounds {
        windows.push(Window { from, to: Some(b) });
        from = Some(b);
    }
    windows.push(Window { from, to: None });
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The windows cover every id exactly once, whatever the range and count.
    #[test]
    fn windows_cover_every_id_once() {
        for (low, high, count) in [(1, 1, 4), (1, 10, 3), (5, 1_000_003, 32), (-3, 3, 100)] {
            let windows = split(low, high, count);
            assert!(windows.len() <= count.max(1));
            assert_eq!(windows.first().unwrap().from, None);
            assert_eq!(windows.last().unwrap().to, None);
            for id in (low - 5..=high.min(low + 2000) + 5).chain([high, high + 1, i64::MAX]) {
                let holding = windows.iter().filter(|w| w.contains(id)).count();
                assert_eq!(holding, 1, "id {id} in {low}..={high} / {count}");
            }
        }
    }

    /// The window count follows the expected number of pages, within its bounds.
    #[test]
    fn window_count_follows_the_density() {
        // 1000 objects over ids 1..=1000, up to 200_000: 200 pages, capped at 16.
        assert_eq!(windows(1000, 1, 1000, 200_000, 1000, 16), 16);
        // 1000 over 1..=1000, up to 40_000: 40 pages, 10 windows.
        assert_eq!(windows(1000, 1, 1000, 40_000, 1000, 16), 10);
        // 3 pages: the minimum of 2 windows.
        assert_eq!(windows(1000, 1, 1000, 3000, 1000, 16), 2);
        // Sparse first page, dense tail: still at least 2.
        assert_eq!(windows(10, 1, 1_000_000, 1_000_001, 1000, 32), 2);
    }
}
