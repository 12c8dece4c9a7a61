//! F-codes (F码): staff generate single-use codes for a wave (or bind them to fans by a
//! points rule); a fan redeems a code (it becomes theirs), may pass it once to another fan,
//! and orders with it from the wave's F-code lane. The state machine is in
//! `canyu_store::fcodes`: issued → bound → (transferred) → used, nothing else.

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::{policy::can_manage, ratelimit::limit};
use canyu_core::{ErrorCode, Role};
use canyu_launch::fcode::{FCode, FCodeError};
use canyu_store::{FCodeBatch, FCodeRecord, Wave};

/// Codes per staff batch.
pub const MAX_BATCH: i64 = 10_000;

/// Reads a typed code; typos are refused before any lookup, each with its own error code.
pub fn parse(typed: &str) -> Result<FCode, ErrorCode> {
    FCode::parse(typed).map_err(|e| match e {
        FCodeError::InvalidSymbol { .. } => ErrorCode::FCodeInvalidSymbol,
        FCodeError::WrongLength { .. } => ErrorCode::FCodeWrongLength,
        FCodeError::BadCheckSymbol => ErrorCode::FCodeTypo,
    })
}

async fn managed_wave(app: &App, auth: &Auth, wave_id: i64) -> AppResult<Wave> {
    auth.require(Role::Staff)?;
    let wave = app.store.wave(wave_id).await?.ok_or(ErrorCode::WaveNotFound)?;
    if !can_manage(app, auth, wave.product_id).await? {
        return Err(ErrorCode::NotProductManager.into());
    }
    Ok(wave)
}

/// Generates `count` codes for the wave; the plaintext codes are returned here only.
pub async fn generate(
    app: &App,
    auth: &Auth,
    wave_id: i64,
    count: i64,
) -> AppResult<(FCodeBatch, Vec<FCode>)> {
    if !(1..=MAX_BATCH).contains(&count) {
        return Err(ErrorCode::InvalidFCodeCount.into());
    }
    let wave = managed_wave(app, auth, wave_id).await?;
    if wave.cancelled.is_some() {
        return Err(ErrorCode::WaveCancelled.into());
    }
    let codes: Vec<FCode> = {
        let mut rng = rand::rng();
        (0..count).map(|_| FCode::generate(&mut rng)).collect()
    };
    let hashes: Vec<String> = codes.iter().map(FCode::storage_hash).collect();
    let batch_id = app.store.create_fcode_batch(wave.id, &hashes, auth.user.id, app.now()).await?;
    let batch = app
        .store
        .fcode_batches(wave.id)
        .await?
        .into_iter()
        .find(|b| b.id == batch_id)
        .ok_or(ErrorCode::Internal)?;
    tracing::info!(wave = wave.id, batch = batch_id, count, by = auth.user.id, "F-codes generated");
    Ok((batch, codes))
}

pub async fn batches(app: &App, auth: &Auth, wave_id: i64) -> AppResult<Vec<FCodeBatch>> {
    let wave = managed_wave(app, auth, wave_id).await?;
    Ok(app.store.fcode_batches(wave.id).await?)
}

/// Binds a fresh code to every fan with at least `min_points` points who has no code for
/// the wave yet (at most `max`). Idempotent: a second run awards only newcomers.
pub async fn award(
    app: &App,
    auth: &Auth,
    wave_id: i64,
    min_points: i64,
    max: Option<i64>,
) -> AppResult<i64> {
    let max = max.unwrap_or(MAX_BATCH);
    if min_points < 0 || !(1..=MAX_BATCH).contains(&max) {
        return Err(ErrorCode::InvalidAwardRule.into());
    }
    let wave = managed_wave(app, auth, wave_id).await?;
    if wave.cancelled.is_some() {
        return Err(ErrorCode::WaveCancelled.into());
    }
    let fans = app.store.fcode_award_candidates(wave.id, min_points, max).await?;
    let awards: Vec<(String, i64)> = {
        let mut rng = rand::rng();
        fans.into_iter().map(|fan| (FCode::generate(&mut rng).storage_hash(), fan)).collect()
    };
    let awarded = app.store.award_fcodes(wave.id, min_points, &awards, auth.user.id, app.now()).await?;
    tracing::info!(wave = wave.id, min_points, awarded, by = auth.user.id, "F-codes awarded");
    Ok(awarded)
}

pub async fn redeem(app: &App, auth: &Auth, typed: &str) -> AppResult<FCodeRecord> {
    limit(app, format!("fcode:{}", auth.user.id), 30)?;
    let code = parse(typed)?;
    Ok(app.store.redeem_fcode(&code.storage_hash(), auth.user.id, app.now()).await?)
}

pub async fn transfer(app: &App, auth: &Auth, typed: &str, to_handle: &str) -> AppResult<FCodeRecord> {
    limit(app, format!("fcode:{}", auth.user.id), 30)?;
    let code = parse(typed)?;
    let to = app.store.user_by_handle(to_handle.trim()).await?.ok_or(ErrorCode::UserNotFound)?;
    let hash = code.storage_hash();
    if to.user.id == auth.user.id {
        // Not yours (or unknown) says more than "to yourself" for someone else's code.
        let known = app.store.fcode_by_hash(&hash).await?.ok_or(ErrorCode::FCodeNotFound)?;
        if known.owner_id != Some(auth.user.id) {
            return Err(ErrorCode::FCodeNotYours.into());
        }
        return Err(ErrorCode::FCodeSelfTransfer.into());
    }
    Ok(app.store.transfer_fcode(&hash, auth.user.id, to.user.id, app.now()).await?)
}

/// The code an order uses: the typed one (which must be the caller's, for this wave), or
/// with `use_own` any code of the wave the caller holds. A used code of the caller's is
/// returned too, so that a retry of its order replays (the engine refuses any other order).
pub async fn for_order(
    app: &App,
    auth: &Auth,
    wave: &Wave,
    typed: Option<&str>,
    use_own: bool,
) -> AppResult<Option<FCodeRecord>> {
    let Some(typed) = typed else {
        if !use_own {
            return Ok(None);
        }
        let own = app.store.usable_fcode(wave.id, auth.user.id).await?;
        return own.map(Some).ok_or_else(|| ErrorCode::FCodeNotFound.into());
    };
    let code = parse(typed)?;
    let record = app.store.fcode_by_hash(&code.storage_hash()).await?.ok_or(ErrorCode::FCodeNotFound)?;
    if record.wave_id != wave.id {
        return Err(ErrorCode::FCodeWrongWave.into());
    }
    if record.owner_id.is_none() {
        return Err(ErrorCode::FCodeNotRedeemed.into());
    }
    if record.owner_id != Some(auth.user.id) {
        return Err(ErrorCode::FCodeNotYours.into());
    }
    Ok(Some(record))
}
