//! Ask-me-anything sessions (migration 0039): sessions, fans' questions with their denormalised
//! vote counts, the votes themselves (one per fan per question), answers, merges that carry
//! votes as a union, and questions turned into feedback posts with their votes.

use crate::notifications::NotificationKind;
use crate::posts::VoteOutcome;
use crate::{Backend, Store, StoreResult};
use canyu_core::ama::{QuestionCursor, QuestionSort, QuestionStatus, Schedule};
use canyu_core::{ErrorCode, Millis};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

type Tx = Transaction<'static, Any>;

/// A session, with its host and how many questions fans see and how many were answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ama {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub host_id: i64,
    pub host_handle: String,
    pub host_title: Option<String>,
    pub schedule: Schedule,
    pub created_at: Millis,
    /// Questions fans see (open or answered).
    pub questions: i64,
    pub answered: i64,
}

pub struct NewAma<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub host_id: i64,
    pub schedule: Schedule,
    pub created_by: i64,
    pub now: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmaQuestion {
    pub id: i64,
    pub ama_id: i64,
    pub author_id: i64,
    pub author_handle: String,
    pub author_title: Option<String>,
    pub body: String,
    pub votes: i64,
    pub status: QuestionStatus,
    pub merged_into: Option<i64>,
    pub answer: Option<String>,
    pub answered_by_handle: Option<String>,
    pub answered_at: Option<Millis>,
    pub post_id: Option<i64>,
    pub created_at: Millis,
}

impl AmaQuestion {
    /// Where this question sits in a list ordered by `sort`.
    pub fn cursor(&self, sort: QuestionSort) -> QuestionCursor {
        let key = match sort {
            QuestionSort::Top => self.votes,
            QuestionSort::New => self.id,
            QuestionSort::Answered => self.answered_at.unwrap_or(0),
        };
        QuestionCursor { key, id: self.id }
    }
}

const AMA_SELECT: &str = "SELECT a.id, a.title, a.description, a.host_id, u.handle, u.official_title, \
     a.questions_open_at, a.starts_at, a.ends_at, a.created_at, \
     (SELECT COUNT(*) FROM ama_questions q WHERE q.ama_id = a.id AND q.status IN ('open', 'answered')) AS questions, \
     (SELECT COUNT(*) FROM ama_questions q WHERE q.ama_id = a.id AND q.status = 'answered') AS answered \
     FROM amas a JOIN users u ON u.id = a.host_id";

fn ama_from_row(r: &sqlx::any::AnyRow) -> StoreResult<Ama> {
    Ok(Ama {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        host_id: r.try_get("host_id")?,
        host_handle: r.try_get("handle")?,
        host_title: r.try_get("official_title")?,
        schedule: Schedule {
            questions_open_at: r.try_get("questions_open_at")?,
            starts_at: r.try_get("starts_at")?,
            ends_at: r.try_get("ends_at")?,
        },
        created_at: r.try_get("created_at")?,
        questions: r.try_get("questions")?,
        answered: r.try_get("answered")?,
    })
}

const QUESTION_SELECT: &str = "SELECT q.id, q.ama_id, q.author_id, u.handle, u.official_title, q.body, q.votes, \
     q.status, q.merged_into, q.answer, h.handle AS answered_by_handle, q.answered_at, q.post_id, q.created_at \
     FROM ama_questions q JOIN users u ON u.id = q.author_id LEFT JOIN users h ON h.id = q.answered_by";

fn question_from_row(r: &sqlx::any::AnyRow) -> StoreResult<AmaQuestion> {
    let status: String = r.try_get("status")?;
    Ok(AmaQuestion {
        id: r.try_get("id")?,
        ama_id: r.try_get("ama_id")?,
        author_id: r.try_get("author_id")?,
        author_handle: r.try_get("handle")?,
        author_title: r.try_get("official_title")?,
        body: r.try_get("body")?,
        votes: r.try_get("votes")?,
        status: QuestionStatus::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("question status {status:?}").into()))?,
        merged_into: r.try_get("merged_into")?,
        answer: r.try_get("answer")?,
        answered_by_handle: r.try_get("answered_by_handle")?,
        answered_at: r.try_get("answered_at")?,
        post_id: r.try_get("post_id")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A question as its own transaction sees it: whether it may be voted on, and by whom not.
struct Votable {
    votes: i64,
    author_id: i64,
}

impl Store {
    pub async fn create_ama(&self, new: NewAma<'_>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO amas (title, description, host_id, questions_open_at, starts_at, ends_at, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(new.title)
        .bind(new.description)
        .bind(new.host_id)
        .bind(new.schedule.questions_open_at)
        .bind(new.schedule.starts_at)
        .bind(new.schedule.ends_at)
        .bind(new.created_by)
        .bind(new.now)
        .fetch_one(&self.write)
        .await?)
    }

    pub async fn ama(&self, id: i64) -> StoreResult<Option<Ama>> {
        let row = sqlx::query(AssertSqlSafe(format!("{AMA_SELECT} WHERE a.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(ama_from_row).transpose()
    }

    /// Sessions ending after `ends_after` (live and coming, soonest first) when `upcoming`, or
    /// those over by then (latest first).
    pub async fn amas(&self, ends_after: Millis, upcoming: bool, limit: i64) -> StoreResult<Vec<Ama>> {
        let (cmp, order) = if upcoming { (">", "ASC") } else { ("<=", "DESC") };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{AMA_SELECT} WHERE a.ends_at {cmp} $1 ORDER BY a.starts_at {order}, a.id {order} LIMIT $2"
        )))
        .bind(ends_after)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(ama_from_row).collect()
    }

    /// Adds a fan's question unless they already have `per_fan` in the session (hidden and
    /// merged ones count: hiding does not give a question back). On PostgreSQL the fan's row
    /// is locked so two questions sent at once cannot both pass the count.
    pub async fn ask_ama_question(
        &self,
        ama_id: i64,
        author_id: i64,
        body: &str,
        per_fan: i64,
        now: Millis,
    ) -> StoreResult<i64> {
        let mut tx = self.write.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                .bind(author_id)
                .execute(&mut *tx)
                .await?;
        }
        let asked: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM ama_questions WHERE ama_id = $1 AND author_id = $2")
                .bind(ama_id)
                .bind(author_id)
                .fetch_one(&mut *tx)
                .await?;
        if asked >= per_fan {
            return Err(ErrorCode::AmaQuestionLimit.into());
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ama_questions (ama_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(ama_id)
        .bind(author_id)
        .bind(body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn ama_question(&self, id: i64) -> StoreResult<Option<AmaQuestion>> {
        let row = sqlx::query(AssertSqlSafe(format!("{QUESTION_SELECT} WHERE q.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(question_from_row).transpose()
    }

    /// A page of the session's questions in `sort` order after `cursor`: the ones fans see,
    /// and with `include_hidden` the hidden ones too (for the host and staff). Merged
    /// questions are never listed; their votes are their target's.
    pub async fn ama_questions(
        &self,
        ama_id: i64,
        sort: QuestionSort,
        cursor: Option<QuestionCursor>,
        include_hidden: bool,
        limit: i64,
    ) -> StoreResult<Vec<AmaQuestion>> {
        let statuses = match (sort, include_hidden) {
            (QuestionSort::Answered, _) => "q.status = 'answered'",
            (_, true) => "q.status IN ('open', 'answered', 'hidden')",
            (_, false) => "q.status IN ('open', 'answered')",
        };
        let (after, order) = match sort {
            QuestionSort::Top => ("(q.votes < $2 OR (q.votes = $2 AND q.id > $3))", "q.votes DESC, q.id ASC"),
            QuestionSort::New => ("q.id <= $2 AND q.id < $3", "q.id DESC"),
            QuestionSort::Answered => {
                ("(q.answered_at > $2 OR (q.answered_at = $2 AND q.id > $3))", "q.answered_at ASC, q.id ASC")
            }
        };
        let start = match sort {
            QuestionSort::Top => QuestionCursor { key: i64::MAX, id: 0 },
            QuestionSort::New => QuestionCursor { key: i64::MAX, id: i64::MAX },
            QuestionSort::Answered => QuestionCursor { key: i64::MIN, id: 0 },
        };
        let at = cursor.unwrap_or(start);
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{QUESTION_SELECT} WHERE q.ama_id = $1 AND {statuses} AND {after} ORDER BY {order} LIMIT $4"
        )))
        .bind(ama_id)
        .bind(at.key)
        .bind(at.id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(question_from_row).collect()
    }

    /// The `limit` answers given last, newest first (the live page's "just answered").
    pub async fn ama_latest_answers(&self, ama_id: i64, limit: i64) -> StoreResult<Vec<AmaQuestion>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{QUESTION_SELECT} WHERE q.ama_id = $1 AND q.status = 'answered' \
             ORDER BY q.answered_at DESC, q.id DESC LIMIT $2"
        )))
        .bind(ama_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(question_from_row).collect()
    }

    /// Questions fans see, answered, and votes cast in the session: one read for the live page.
    pub async fn ama_totals(&self, ama_id: i64) -> StoreResult<(i64, i64, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS questions, \
             CAST(COALESCE(SUM(CASE WHEN status = 'answered' THEN 1 ELSE 0 END), 0) AS BIGINT) AS answered, \
             CAST(COALESCE(SUM(votes), 0) AS BIGINT) AS votes \
             FROM ama_questions WHERE ama_id = $1 AND status IN ('open', 'answered')",
        )
        .bind(ama_id)
        .fetch_one(&self.read)
        .await?;
        Ok((row.try_get("questions")?, row.try_get("answered")?, row.try_get("votes")?))
    }

    /// The question a vote is for, inside the vote's transaction: one fans see, not merged.
    async fn votable(tx: &mut Tx, question_id: i64) -> StoreResult<Votable> {
        let row = sqlx::query("SELECT votes, author_id, status FROM ama_questions WHERE id = $1")
            .bind(question_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(ErrorCode::AmaQuestionNotFound)?;
        let status: String = row.try_get("status")?;
        match QuestionStatus::parse(&status) {
            Some(QuestionStatus::Merged) => Err(ErrorCode::AmaQuestionMerged.into()),
            Some(s) if s.is_shown() => {
                Ok(Votable { votes: row.try_get("votes")?, author_id: row.try_get("author_id")? })
            }
            _ => Err(ErrorCode::AmaQuestionNotFound.into()),
        }
    }

    /// A fan's vote for a question: once per fan (the primary key decides under any
    /// concurrency), never for one's own; the count moves only when a row was inserted.
    pub async fn vote_ama_question(
        &self,
        question_id: i64,
        user_id: i64,
        now: Millis,
    ) -> StoreResult<VoteOutcome> {
        let mut tx = self.write.begin().await?;
        let q = Self::votable(&mut tx, question_id).await?;
        if q.author_id == user_id {
            return Err(ErrorCode::CannotVoteOwnQuestion.into());
        }
        let inserted = sqlx::query(
            "INSERT INTO ama_votes (question_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (question_id, user_id) DO NOTHING",
        )
        .bind(question_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.commit().await?;
            return Ok(VoteOutcome { votes: q.votes, changed: false });
        }
        let votes = Self::bump_ama_votes(&mut tx, question_id, 1).await?;
        tx.commit().await?;
        Ok(VoteOutcome { votes, changed: true })
    }

    pub async fn unvote_ama_question(&self, question_id: i64, user_id: i64) -> StoreResult<VoteOutcome> {
        let mut tx = self.write.begin().await?;
        let q = Self::votable(&mut tx, question_id).await?;
        let deleted = sqlx::query("DELETE FROM ama_votes WHERE question_id = $1 AND user_id = $2")
            .bind(question_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            tx.commit().await?;
            return Ok(VoteOutcome { votes: q.votes, changed: false });
        }
        let votes = Self::bump_ama_votes(&mut tx, question_id, -1).await?;
        tx.commit().await?;
        Ok(VoteOutcome { votes, changed: true })
    }

    async fn bump_ama_votes(tx: &mut Tx, question_id: i64, delta: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("UPDATE ama_questions SET votes = votes + $1 WHERE id = $2 RETURNING votes")
            .bind(delta)
            .bind(question_id)
            .fetch_one(&mut **tx)
            .await?)
    }

    /// Which of `question_ids` the fan voted for.
    pub async fn ama_voted_among(&self, user_id: i64, question_ids: &[i64]) -> StoreResult<Vec<i64>> {
        if question_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT question_id FROM ama_votes WHERE user_id = $1 AND question_id IN ({})",
            crate::placeholders(2, question_ids.len())
        );
        let mut q = sqlx::query_scalar(AssertSqlSafe(sql)).bind(user_id);
        for id in question_ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(&self.read).await?)
    }

    /// Records (or rewrites) the answer and tells the asker and everyone who voted for the
    /// question, once each, except whoever answered. Hidden and merged questions are not
    /// answered: the caller unhides first, or answers the merge's target.
    pub async fn answer_ama_question(
        &self,
        question_id: i64,
        answer: &str,
        answered_by: i64,
        notice: &serde_json::Value,
        now: Millis,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(
            "UPDATE ama_questions SET answer = $1, answered_by = $2, answered_at = COALESCE(answered_at, $3), \
             status = 'answered' WHERE id = $4 AND status IN ('open', 'answered')",
        )
        .bind(answer)
        .bind(answered_by)
        .bind(now)
        .bind(question_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let status: Option<String> = sqlx::query_scalar("SELECT status FROM ama_questions WHERE id = $1")
                .bind(question_id)
                .fetch_optional(&mut *tx)
                .await?;
            return Err(match status.as_deref() {
                Some("merged") => ErrorCode::AmaQuestionMerged,
                _ => ErrorCode::AmaQuestionNotFound,
            }
            .into());
        }
        let kind = NotificationKind::AmaAnswered;
        // One inbox line per question however often the answer is edited.
        let key = format!("{}:{question_id}", kind.as_str());
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
             SELECT w.uid, $1, $2, NULL, $3, $4, $5 FROM \
             (SELECT author_id AS uid FROM ama_questions WHERE id = $6 \
              UNION SELECT user_id FROM ama_votes WHERE question_id = $6) w \
             WHERE w.uid <> $3 ON CONFLICT (user_id, event_key) DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(&key)
        .bind(answered_by)
        .bind(notice.to_string())
        .bind(now)
        .bind(question_id)
        .execute(&mut *tx)
        .await?;
        Self::enqueue_emails(&mut tx, &key, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Hides a question fans see (off-topic), or shows a hidden one again as it was.
    pub async fn set_ama_question_hidden(&self, question_id: i64, hidden: bool) -> StoreResult<()> {
        let sql = if hidden {
            "UPDATE ama_questions SET status = 'hidden' WHERE id = $1 AND status IN ('open', 'answered')"
        } else {
            "UPDATE ama_questions SET status = CASE WHEN answer IS NULL THEN 'open' ELSE 'answered' END \
             WHERE id = $1 AND status = 'hidden'"
        };
        sqlx::query(sql).bind(question_id).execute(&self.write).await?;
        Ok(())
    }

    /// Merges an unanswered duplicate into `target_id` of the same session: whoever voted for the source
    /// or asked it now counts for the target (a union: a fan who backed both counts once;
    /// the target's own asker never votes for their own question). Returns the votes moved
    /// and the target's new count.
    pub async fn merge_ama_question(
        &self,
        source_id: i64,
        target_id: i64,
        now: Millis,
    ) -> StoreResult<(i64, i64)> {
        if source_id == target_id {
            return Err(ErrorCode::AmaMergeInvalid.into());
        }
        let mut tx = self.write.begin().await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        // The lower id locked first: merges of one pair both ways cannot deadlock.
        let mut sides = Vec::with_capacity(2);
        for id in [source_id.min(target_id), source_id.max(target_id)] {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT id, ama_id, author_id, status FROM ama_questions WHERE id = $1{lock}"
            )))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(ErrorCode::AmaQuestionNotFound)?;
            let status: String = row.try_get("status")?;
            sides.push((
                row.try_get::<i64, _>("id")?,
                row.try_get::<i64, _>("ama_id")?,
                row.try_get::<i64, _>("author_id")?,
                status,
            ));
        }
        let side = |id: i64| sides.iter().find(|s| s.0 == id).cloned().ok_or(ErrorCode::AmaQuestionNotFound);
        let (source, target) = (side(source_id)?, side(target_id)?);
        // An answered question stays in the transcript; it may be a target, never a source.
        if source.1 != target.1 || matches!(source.3.as_str(), "merged" | "answered") || target.3 == "merged"
        {
            return Err(ErrorCode::AmaMergeInvalid.into());
        }
        let moved = sqlx::query(
            "INSERT INTO ama_votes (question_id, user_id, created_at) \
             SELECT $1, s.uid, $2 FROM (SELECT user_id AS uid FROM ama_votes WHERE question_id = $3 \
             UNION SELECT author_id FROM ama_questions WHERE id = $3) s WHERE s.uid <> $4 \
             ON CONFLICT (question_id, user_id) DO NOTHING",
        )
        .bind(target_id)
        .bind(now)
        .bind(source_id)
        .bind(target.2)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
        let votes = Self::bump_ama_votes(&mut tx, target_id, moved).await?;
        sqlx::query("UPDATE ama_questions SET status = 'merged', merged_into = $1 WHERE id = $2")
            .bind(target_id)
            .bind(source_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((moved, votes))
    }

    /// Claims a question for turning into a post: false when someone already did.
    pub async fn claim_ama_question_for_post(&self, question_id: i64, by: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE ama_questions SET posted_by = $1 WHERE id = $2 AND posted_by IS NULL")
            .bind(by)
            .bind(question_id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a claim back when the post could not be made.
    pub async fn release_ama_question_claim(&self, question_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE ama_questions SET posted_by = NULL WHERE id = $1 AND post_id IS NULL")
            .bind(question_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Links the post made of a question and carries the question's votes over (the post's
    /// author, the asker, never votes for their own post). Returns the post's vote count.
    pub async fn link_ama_question_post(
        &self,
        question_id: i64,
        post_id: i64,
        post_author: i64,
        now: Millis,
    ) -> StoreResult<i64> {
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE ama_questions SET post_id = $1 WHERE id = $2")
            .bind(post_id)
            .bind(question_id)
            .execute(&mut *tx)
            .await?;
        let moved = sqlx::query(
            "INSERT INTO votes (post_id, user_id, created_at) SELECT $1, user_id, $2 FROM ama_votes \
             WHERE question_id = $3 AND user_id <> $4 ON CONFLICT (post_id, user_id) DO NOTHING",
        )
        .bind(post_id)
        .bind(now)
        .bind(question_id)
        .bind(post_author)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
        let votes = self.bump_votes(&mut tx, post_id, moved).await?;
        tx.commit().await?;
        Ok(votes)
    }
}
