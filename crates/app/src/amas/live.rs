//! The live page of an AMA: one producer per watched session reads the top questions and the
//! latest answers once a second (or at once when this node records an answer, a hide or a
//! merge) and hands the same frame to every viewer through [`crate::fanout`]. A frame that
//! would say what the last one said is not sent — in a quiet minute 5,000 viewers cost
//! almost nothing — except every [`KEEP_ALIVE`], so that proxies do not close quiet streams.

use crate::App;
use crate::fanout::{Feed, Hub};
use bytes::Bytes;
use canyu_core::ama::QuestionSort;
use canyu_store::{AmaQuestion, StoreResult};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often a watched session is re-read: votes move the top list every second on launch
/// night; answers on this node do not wait for it.
pub const TICK: Duration = Duration::from_millis(1000);
/// Questions the live page ranks, and answers it shows, per frame: what a phone shows
/// without scrolling far, and a frame of tens of kilobytes at most for thousands of viewers.
pub const TOP: i64 = 30;
pub const LATEST_ANSWERS: i64 = 10;
/// An unchanged frame is sent again after this long: proxies close streams quiet for a minute.
pub const KEEP_ALIVE: Duration = Duration::from_secs(20);

#[derive(Default)]
pub struct AmaHub {
    hub: Hub,
}

impl AmaHub {
    /// A receiver of the session's frames (`event: snapshot`), `None` until the first one.
    pub fn subscribe(&self, app: &App, ama_id: i64) -> watch::Receiver<Option<Bytes>> {
        self.hub.subscribe(ama_id, |feed| {
            tokio::spawn(produce(app.clone(), ama_id, feed));
        })
    }

    /// Asks for a frame now (an answer, a hide, a merge on this node).
    pub fn wake(&self, ama_id: i64) {
        self.hub.wake(ama_id);
    }

    /// Sessions with a producer running (for tests and metrics).
    pub fn watched(&self) -> usize {
        self.hub.watched()
    }
}

async fn produce(app: App, ama_id: i64, feed: Arc<Feed>) {
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = serde_json::Value::Null;
    let mut sent_at = tokio::time::Instant::now();
    loop {
        feed.next_tick(&mut every).await;
        if !app.ama_live.hub.keep(ama_id) {
            return;
        }
        match snapshot(&app, ama_id).await {
            Ok(Some(snap)) if snap != last || sent_at.elapsed() >= KEEP_ALIVE => {
                let mut framed = snap.clone();
                framed["at"] = app.now().into();
                // JSON has no raw newlines, so the snapshot is one `data:` line.
                let whole = feed.deliver(Bytes::from(format!("event: snapshot\ndata: {framed}\n\n"))).await;
                // Stopped for a wake-up: the next frame goes out even if nothing changed since
                // (the change may already be in this one), for the groups this one missed.
                last = if whole { snap } else { serde_json::Value::Null };
                sent_at = tokio::time::Instant::now();
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(ama = ama_id, error = %e, "AMA live snapshot failed"),
        }
    }
}

fn question_json(q: &AmaQuestion, with_answer: bool) -> serde_json::Value {
    let mut v = json!({
        "id": q.id, "body": q.body, "votes": q.votes, "status": q.status.as_str(),
        "author": q.author_handle, "author_title": q.author_title,
        "answered_at": q.answered_at.map(canyu_core::time::rfc3339),
    });
    if with_answer {
        v["answer"] = q.answer.clone().into();
        v["answered_by"] = q.answered_by_handle.clone().into();
    }
    v
}

/// What the live page shows as of now, without the time (`at` is added per frame).
pub async fn snapshot(app: &App, ama_id: i64) -> StoreResult<Option<serde_json::Value>> {
    let Some(ama) = app.store.ama(ama_id).await? else { return Ok(None) };
    // The counts first: an answer committing meanwhile may then be listed before it is
    // counted, never counted before it is listed.
    let (questions, answered, votes) = app.store.ama_totals(ama_id).await?;
    let top = app.store.ama_questions(ama_id, QuestionSort::Top, None, false, TOP).await?;
    let answers = app.store.ama_latest_answers(ama_id, LATEST_ANSWERS).await?;
    Ok(Some(json!({
        "ama": ama_id,
        "phase": ama.schedule.phase(app.now()).as_str(),
        "questions": questions,
        "answered": answered,
        "votes": votes,
        "top": top.iter().map(|q| question_json(q, false)).collect::<Vec<_>>(),
        "answers": answers.iter().map(|q| question_json(q, true)).collect::<Vec<_>>(),
    })))
}
