//! Provably fair draws (docs/draw.md): a draw wave commits to a secret seed when created,
//! fans enter during the window (one entry each, published by handle), and at the close
//! the entry list is frozen and hashed, the winners are drawn from the seed, their orders
//! written, and the seed revealed. Anyone can recompute the winners with
//! `canyu launch verify-draw` from `GET /api/v1/waves/{id}/draw`.

use super::waves::eligible;
use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use crate::policy::can_manage;
use crate::ratelimit::limit;
use canyu_core::wave::WaveMode;
use canyu_core::{ErrorCode, Role};
use canyu_launch::draw::{EntryList, PublishedDraw, Seed, commitment, draw_winners};
use canyu_store::{DrawState, NewOrder, StoreError, Wave};
use std::collections::HashMap;

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "draw failed");
    AppError::new(ErrorCode::Internal)
}

/// Makes and stores the seed of a new draw wave; only its commitment is ever shown before
/// the draw.
pub async fn commit_seed(app: &App, wave_id: i64) -> AppResult<()> {
    let seed = Seed::generate().map_err(internal)?;
    app.store.set_draw_seed(wave_id, &seed.to_hex(), &commitment(&seed)).await?;
    Ok(())
}

async fn draw_wave(app: &App, wave_id: i64) -> AppResult<(Wave, DrawState)> {
    let wave = app.store.wave(wave_id).await?.ok_or(ErrorCode::WaveNotFound)?;
    if wave.rules.mode != WaveMode::Draw {
        return Err(ErrorCode::WaveNotDraw.into());
    }
    let draw = app.store.draw_state(wave_id).await?.ok_or(ErrorCode::WaveNotFound)?;
    Ok((wave, draw))
}

/// Enters the caller into a draw wave.
pub async fn enter(app: &App, auth: &Auth, wave_id: i64) -> AppResult<i64> {
    limit(app, format!("order:{}", auth.user.id), app.config.orders_per_minute)?;
    let (wave, _) = draw_wave(app, wave_id).await?;
    if wave.cancelled.is_some() {
        return Err(ErrorCode::WaveCancelled.into());
    }
    let now = app.now();
    if now < wave.rules.starts_at {
        return Err(ErrorCode::WaveNotStarted.into());
    }
    if now >= wave.rules.ends_at {
        return Err(ErrorCode::WaveEnded.into());
    }
    if !eligible(app, auth, &wave).await? {
        return Err(match wave.rules.eligibility {
            canyu_core::wave::Eligibility::OwnersOf(_) => ErrorCode::OwnersOnly,
            _ => ErrorCode::NotEligible,
        }
        .into());
    }
    let zone = &app.config.time_zone;
    let draws_at_local = zone.datetime(wave.rules.ends_at);
    app.store.enter_draw(wave_id, auth.user.id, &auth.user.handle, now, &draws_at_local, zone.name()).await?;
    Ok(app.store.draw_state(wave_id).await?.map_or(0, |d| d.entries))
}

/// What is published about a draw: the commitment from the start; once drawn, everything
/// needed to recompute it.
pub struct DrawReport {
    pub wave: Wave,
    pub commitment: String,
    pub entries: i64,
    pub drawn_at: Option<i64>,
    pub published: Option<PublishedDraw>,
}

pub async fn report(app: &App, wave_id: i64) -> AppResult<DrawReport> {
    let (wave, draw) = draw_wave(app, wave_id).await?;
    let published = match (draw.drawn_at, &draw.entries_hash) {
        (Some(_), Some(hash)) => {
            let entries = app.store.draw_entries(wave_id).await?;
            let by_user: HashMap<i64, String> =
                entries.iter().map(|e| (e.user_id, e.entry.clone())).collect();
            let list = EntryList::new(entries.into_iter().map(|e| e.entry).collect()).map_err(internal)?;
            // The winners as written: the orders of the draw, in drawn order.
            let winners = app
                .store
                .wave_orders(wave_id)
                .await?
                .iter()
                .filter_map(|o| by_user.get(&o.user_id).cloned())
                .collect();
            Some(PublishedDraw {
                commitment: draw.commitment.clone(),
                entries: list.into_entries(),
                entries_hash: hash.clone(),
                seed: draw.seed.clone(),
                winner_count: wave.rules.online_quantity() as usize,
                winners,
            })
        }
        _ => None,
    };
    Ok(DrawReport {
        commitment: draw.commitment,
        entries: draw.entries,
        drawn_at: draw.drawn_at,
        published,
        wave,
    })
}

/// Draws the winners of a closed draw wave. Idempotent: a draw made already (here or on
/// another node) is left as it is. Returns whether this call made it.
pub async fn run(app: &App, wave_id: i64) -> AppResult<bool> {
    let (wave, draw) = draw_wave(app, wave_id).await?;
    if draw.drawn_at.is_some() {
        return Ok(false);
    }
    if wave.cancelled.is_some() {
        return Err(ErrorCode::WaveCancelled.into());
    }
    let now = app.now();
    if now < wave.rules.ends_at {
        return Err(ErrorCode::DrawNotClosed.into());
    }
    let seed = Seed::from_hex(&draw.seed).map_err(internal)?;
    // An entry committing at the very end of the window can still land: then the count
    // check in `complete_draw` refuses and the draw is made again from the new list.
    for _ in 0..3 {
        let entries = app.store.draw_entries(wave_id).await?;
        let user_of: HashMap<String, i64> = entries.iter().map(|e| (e.entry.clone(), e.user_id)).collect();
        let used = entries.len() as i64;
        let list = EntryList::new(entries.into_iter().map(|e| e.entry).collect()).map_err(internal)?;
        let hash = list.hash();
        let winners: Vec<NewOrder> = draw_winners(&seed, &list, wave.rules.online_quantity() as usize)
            .into_iter()
            .enumerate()
            .filter_map(|(rank, i)| {
                let user_id = *user_of.get(&list.entries()[i])?;
                Some(NewOrder {
                    wave_id,
                    user_id,
                    seq: rank as i64 + 1,
                    lane: "draw",
                    idempotency_key: format!("draw:{wave_id}"),
                    body_hash: hash.clone(),
                    created_at: now,
                })
            })
            .collect();
        match app.store.complete_draw(wave_id, used, &hash, &winners, now).await {
            Ok(made) => {
                if made {
                    tracing::info!(wave = wave_id, entries = used, winners = winners.len(), "draw made");
                }
                return Ok(made);
            }
            Err(StoreError::Rejected(ErrorCode::DrawEntriesChanged)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ErrorCode::DrawEntriesChanged.into())
}

/// Staff make a closed draw now rather than wait for the background job.
pub async fn run_by_staff(app: &App, auth: &Auth, wave_id: i64) -> AppResult<bool> {
    auth.require(Role::Staff)?;
    let wave = app.store.wave(wave_id).await?.ok_or(ErrorCode::WaveNotFound)?;
    if !can_manage(app, auth, wave.product_id).await? {
        return Err(ErrorCode::NotProductManager.into());
    }
    run(app, wave_id).await
}

/// Draws every closed draw that is due: the server runs this periodically.
pub async fn run_due(app: &App) -> AppResult<usize> {
    let mut made = 0;
    for wave_id in app.store.draws_due(app.now()).await? {
        if run(app, wave_id).await? {
            made += 1;
        }
    }
    Ok(made)
}

// ---- reads of draws: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn draw_state(app: &App, wave_id: i64) -> AppResult<Option<canyu_store::DrawState>> {
    Ok(app.store.draw_state(wave_id).await?)
}

pub async fn has_entered(app: &App, wave_id: i64, user_id: i64) -> AppResult<bool> {
    Ok(app.store.has_entered(wave_id, user_id).await?)
}
