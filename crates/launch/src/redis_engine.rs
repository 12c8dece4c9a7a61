//! The Redis stock engine: the hot state of a wave in Redis, so that several canyu nodes can
//! sell one wave without overselling.
//!
//! Every order goes through one Lua script ([`PLACE_ORDER_LUA`]), which Redis runs atomically:
//! idempotency, the sale window, the per-fan limit, the stock decrement, the order number and
//! the append to the wave's order stream happen together or not at all. The stream is read by
//! the persister ([`RedisStock::read_orders`]), which writes the orders to the database, the
//! source of truth.
//!
//! Durability: Redis acknowledges a script once it ran in memory. An order is durable only
//! when Redis persists every write (`appendonly yes`, `appendfsync always`) or when the
//! caller acknowledges the fan after the persister committed the order to the database.
//!
//! Keys, for key prefix `P` (default `canyu`) and wave `W`; the `{W}` hash tag keeps one
//! wave's keys in one Redis Cluster slot, as a multi-key script requires:
//!
//! | key | type | content |
//! |---|---|---|
//! | `P:wave:{W}:state` | hash | `quantity`, `fcode_quantity`, `per_fan_limit`, `starts_at_ms`, `ends_at_ms`, `general_remaining`, `fcode_remaining`, `general_sold`, `fcode_sold`, `last_seq` |
//! | `P:wave:{W}:fans` | hash | fan id → live orders of the fan in this wave |
//! | `P:wave:{W}:idem` | hash | `<fan id>:<idempotency key>` → `<seq>:<body hash>` |
//! | `P:wave:{W}:owners` | hash | seq → `<lane>:<fan id>`, `released:<lane>:<fan id>` once released |
//! | `P:wave:{W}:orders` | stream | one entry per order: `seq`, `fan`, `key`, `body_hash`, `at`, `lane`, `fcode`, `launch` |
//! | `P:wave:{W}:fcodes` | set | ids of the F-codes that took a unit (a code takes one, ever) |

use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// The key prefix when none is set.
pub const DEFAULT_PREFIX: &str = "canyu";

/// How long one command may take before the client gives up. Redis's client defaults to
/// 500 ms; under a drop thousands of scripts queue on one connection and a debug build on a
/// busy machine can take longer than that, while a timeout whose script then runs anyway
/// only sends the caller into a retry.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Places one order. `KEYS`: state, fans, idem, owners, orders, fcodes. `ARGV`: fan id,
/// idempotency field (`<fan>:<key>`), idempotency key, body hash, now (unix ms), the F-code
/// id for an order in the F-code lane (empty for general stock), the order's launch terms
/// (opaque text, empty outside a campaign). Returns `{outcome}` or `{'placed', seq, replay}`
/// (all strings).
///
/// The idempotency record is read first, so a retry of a placed order gets its order back
/// even after the wave closed. Only placed orders are recorded: a refusal changes nothing,
/// so repeating the request simply asks again, and a flood of sold-out requests costs no
/// memory.
pub const PLACE_ORDER_LUA: &str = r#"
local stored = redis.call('HGET', KEYS[3], ARGV[2])
if stored then
  local sep = string.find(stored, ':', 1, true)
  if string.sub(stored, sep + 1) == ARGV[4] then
    return {'placed', string.sub(stored, 1, sep - 1), '1'}
  end
  return {'key_reused'}
end
local wave = redis.call('HMGET', KEYS[1], 'starts_at_ms', 'ends_at_ms', 'per_fan_limit',
  'general_remaining', 'fcode_remaining', 'last_seq')
if not wave[1] then return {'no_wave'} end
local now = tonumber(ARGV[5])
if now < tonumber(wave[1]) then return {'not_open'} end
if now >= tonumber(wave[2]) then return {'closed'} end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if held >= tonumber(wave[3]) then return {'limit'} end
-- An F-code order takes the F-code lane only, never general stock, and a code one unit.
local lane = 'general'
if ARGV[6] ~= '' then
  if redis.call('SISMEMBER', KEYS[6], ARGV[6]) == 1 then return {'fcode_used'} end
  if tonumber(wave[5]) <= 0 then return {'sold_out'} end
  lane = 'fcode'
elseif tonumber(wave[4]) <= 0 then
  return {'sold_out'}
end
local seq = tostring(tonumber(wave[6]) + 1)
-- The stream entry goes first: it is the one write that can fail (out of memory), and
-- until it succeeds nothing has changed, so a failure leaves no half-placed order.
redis.call('XADD', KEYS[5], '*', 'seq', seq, 'fan', ARGV[1], 'key', ARGV[3],
  'body_hash', ARGV[4], 'at', ARGV[5], 'lane', lane, 'fcode', ARGV[6], 'launch', ARGV[7])
if lane == 'fcode' then redis.call('SADD', KEYS[6], ARGV[6]) end
redis.call('HSET', KEYS[1], 'last_seq', seq)
redis.call('HINCRBY', KEYS[1], lane .. '_remaining', -1)
redis.call('HINCRBY', KEYS[1], lane .. '_sold', 1)
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('HSET', KEYS[3], ARGV[2], seq .. ':' .. ARGV[4])
redis.call('HSET', KEYS[4], seq, lane .. ':' .. ARGV[1])
return {'placed', seq, '0'}
"#;

/// Creates a wave's state unless it exists. `KEYS`: state, fans, idem, owners, orders, fcodes.
/// `ARGV`: quantity, F-code quantity, general quantity, per-fan limit, starts, ends, `1` to
/// wipe an existing wave first. Returns 1 when created, 0 when the wave existed.
const OPEN_WAVE_LUA: &str = r#"
if ARGV[7] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
elseif redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'quantity', ARGV[1], 'fcode_quantity', ARGV[2],
  'general_remaining', ARGV[3], 'fcode_remaining', ARGV[2], 'general_sold', 0, 'fcode_sold', 0,
  'per_fan_limit', ARGV[4], 'starts_at_ms', ARGV[5], 'ends_at_ms', ARGV[6], 'last_seq', 0)
return 1
"#;

/// Gives back the unit of a cancelled order, once. `KEYS`: state, fans, owners. `ARGV`: seq,
/// fan id. The owners record is what makes a second release of the same order a no-op. An
/// F-code stays used: its unit goes back to the lane for another code.
const RELEASE_LUA: &str = r#"
local owner = redis.call('HGET', KEYS[3], ARGV[1])
if not owner then return 'unknown_order' end
if string.sub(owner, 1, 9) == 'released:' then return 'already_released' end
local sep = string.find(owner, ':', 1, true)
local lane = string.sub(owner, 1, sep - 1)
if string.sub(owner, sep + 1) ~= ARGV[2] then return 'not_owner' end
redis.call('HSET', KEYS[3], ARGV[1], 'released:' .. owner)
redis.call('HINCRBY', KEYS[1], lane .. '_remaining', 1)
redis.call('HINCRBY', KEYS[1], lane .. '_sold', -1)
redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
return 'released'
"#;

/// [`RELEASE_LUA`] for many orders in one call. `ARGV`: seq, fan id, seq, fan id… Returns
/// how many units went back (orders released before, unknown or not the fan's are skipped).
const RELEASE_MANY_LUA: &str = r#"
local released = 0
for i = 1, #ARGV, 2 do
  local owner = redis.call('HGET', KEYS[3], ARGV[i])
  if owner and string.sub(owner, 1, 9) ~= 'released:' then
    local sep = string.find(owner, ':', 1, true)
    local lane = string.sub(owner, 1, sep - 1)
    if string.sub(owner, sep + 1) == ARGV[i + 1] then
      redis.call('HSET', KEYS[3], ARGV[i], 'released:' .. owner)
      redis.call('HINCRBY', KEYS[1], lane .. '_remaining', 1)
      redis.call('HINCRBY', KEYS[1], lane .. '_sold', -1)
      redis.call('HINCRBY', KEYS[2], ARGV[i + 1], -1)
      released = released + 1
    end
  end
end
return released
"#;

/// Moves a wave's sale window, if Redis has the wave. `KEYS`: state. `ARGV`: starts_at_ms,
/// ends_at_ms. 1 when moved, 0 for a wave Redis does not have.
const SET_WINDOW_LUA: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'starts_at_ms', ARGV[1], 'ends_at_ms', ARGV[2])
return 1
"#;

/// Sets a wave's quantity, if Redis has the wave, its quantity is still the one the change was
/// decided on, and the general units sold fit in what the new quantity leaves them beside
/// the F-code lane. `KEYS`: state. `ARGV`: quantity, the quantity it must have now. 1 when
/// set, 0 when too many are sold, -2 when the quantity changed meanwhile, -1 for a wave
/// Redis does not have.
const SET_QUANTITY_LUA: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local wave = redis.call('HMGET', KEYS[1], 'fcode_quantity', 'general_sold', 'quantity')
if tonumber(wave[3]) ~= tonumber(ARGV[2]) then return -2 end
local general = tonumber(ARGV[1]) - tonumber(wave[1])
if general < 0 or general < tonumber(wave[2]) then return 0 end
redis.call('HSET', KEYS[1], 'quantity', ARGV[1], 'general_remaining', general - tonumber(wave[2]))
return 1
"#;

/// Errors of the Redis engine. Outcomes a fan can cause (sold out, limit, ...) are not
/// errors: they are [`PlaceOutcome`]s.
#[derive(Debug, thiserror::Error)]
pub enum RedisEngineError {
    /// Connecting, a command, a timeout or a script error in Redis.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// No wave with this id was opened under this key prefix.
    #[error("wave {0} is not open in redis")]
    UnknownWave(i64),
    /// The wave's settings contradict each other.
    #[error("invalid wave settings: {0}")]
    InvalidWave(&'static str),
    /// Key prefixes must be non-empty and free of `{`, `}` (hash tags) and whitespace.
    #[error("invalid redis key prefix {0:?}")]
    InvalidPrefix(String),
    /// Redis answered something the engine never sends back: a bug or a foreign key.
    #[error("unexpected reply from redis: {0}")]
    UnexpectedReply(String),
}

pub type Result<T> = std::result::Result<T, RedisEngineError>;

/// A wave's stock as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveStock {
    pub wave_id: i64,
    /// Units in the whole wave, F-code units included: the wave never sells more.
    pub quantity: u64,
    /// Units of `quantity` kept for fans redeeming an F-code. The rest is general stock.
    pub fcode_quantity: u64,
    /// Live orders one fan may hold in this wave.
    pub per_fan_limit: u32,
    /// The sale window `[starts_at_ms, ends_at_ms)`, unix milliseconds.
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
}

impl WaveStock {
    fn check(&self) -> Result<()> {
        if self.fcode_quantity > self.quantity {
            return Err(RedisEngineError::InvalidWave("the F-code quantity exceeds the wave's quantity"));
        }
        if self.per_fan_limit == 0 {
            return Err(RedisEngineError::InvalidWave("the per-fan limit must be at least 1"));
        }
        if self.starts_at_ms >= self.ends_at_ms {
            return Err(RedisEngineError::InvalidWave("the wave must start before it ends"));
        }
        Ok(())
    }
}

/// What [`RedisStock::open_wave`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveOpened {
    Created,
    /// The wave was there already and was left as it was.
    AlreadyOpen,
}

/// One fan's order attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRequest {
    pub wave_id: i64,
    pub fan_id: i64,
    /// The client's `Idempotency-Key`, scoped to the fan and the wave.
    pub idempotency_key: String,
    /// A hash of the request body: the same key with another body is refused.
    pub body_hash: String,
    /// The time of the request, unix milliseconds (the caller's clock decides the window).
    pub now_ms: i64,
    /// The F-code the fan orders with (the caller checked it is theirs and of this wave): the
    /// order takes a unit of the F-code lane only, and a code takes one unit, ever
    /// ([`PlaceOutcome::FCodeUsed`] for a second order with it). `None`: general stock.
    pub fcode_id: Option<i64>,
    /// For an order in a launch campaign's wave: its deposit terms, kept with the grant in
    /// the stream so any node can write the order with them.
    pub launch: Option<String>,
}

/// The answer to a [`PlaceRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceOutcome {
    /// The order holds a unit. `seq` numbers the wave's orders from 1; `replay` says the
    /// order was placed by an earlier request with the same key and body.
    Placed {
        seq: u64,
        replay: bool,
    },
    SoldOut,
    /// The fan already holds `per_fan_limit` live orders in this wave.
    LimitReached,
    /// The idempotency key was used before with a different body.
    KeyReused,
    /// Before the wave's start.
    NotOpen,
    /// At or after the wave's end.
    Closed,
    /// The F-code took a unit for another order.
    FCodeUsed,
}

/// Which allocation an order took its unit from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    General,
    FCode,
}

impl Lane {
    fn parse(lane: &str) -> Option<Lane> {
        match lane {
            "general" => Some(Lane::General),
            "fcode" => Some(Lane::FCode),
            _ => None,
        }
    }
}

/// A wave's counters, read atomically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaveCounters {
    /// The whole wave, F-code units included.
    pub quantity: u64,
    /// Unsold units of both lanes.
    pub remaining: u64,
    /// Units held by live orders of both lanes (placed minus released).
    pub sold: u64,
    pub fcode_quantity: u64,
    pub fcode_remaining: u64,
    pub fcode_sold: u64,
    /// Orders ever placed, released ones included: the last `seq` handed out.
    pub placed: u64,
}

/// One order as the script appended it to the wave's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOrder {
    /// The Redis stream id, e.g. `1700000000000-0`: pass the last one read to
    /// [`RedisStock::read_orders`] to continue after it.
    pub stream_id: String,
    pub seq: u64,
    pub fan_id: i64,
    pub idempotency_key: String,
    pub body_hash: String,
    /// The request time the order was placed at (unix ms).
    pub at_ms: i64,
    pub lane: Lane,
    /// The F-code an F-code lane order used.
    pub fcode_id: Option<i64>,
    /// The launch terms the order was placed with ([`PlaceRequest::launch`]).
    pub launch: Option<String>,
}

/// What [`RedisStock::release`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseOutcome {
    /// The unit is back in its lane and the fan's count went down.
    Released,
    AlreadyReleased,
    /// No order with this seq in the wave.
    UnknownOrder,
    /// The order belongs to another fan; nothing changed.
    NotOwner,
}

/// A handle on the Redis engine: one multiplexed connection that reconnects by itself.
/// Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct RedisStock {
    connection: ConnectionManager,
    prefix: String,
    place_script: Script,
    open_script: Script,
    release_script: Script,
    release_many_script: Script,
    set_window_script: Script,
    set_quantity_script: Script,
}

impl std::fmt::Debug for RedisStock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStock").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// The five keys of a wave, in the order the scripts take them.
struct WaveKeys {
    state: String,
    fans: String,
    idem: String,
    owners: String,
    orders: String,
    fcodes: String,
}

impl RedisStock {
    /// Connects to `url` (`redis://host:port/db`) with the key prefix `canyu`.
    pub async fn connect(url: &str) -> Result<RedisStock> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new().set_response_timeout(Some(RESPONSE_TIMEOUT));
        let mut connection = client.get_connection_manager_with_config(config).await?;
        let place_script = Script::new(PLACE_ORDER_LUA);
        // Loaded up front so the first orders of a drop do not each pay for a NOSCRIPT
        // round trip; after a Redis restart the scripts reload themselves.
        place_script.load_async(&mut connection).await?;
        Ok(RedisStock {
            connection,
            prefix: DEFAULT_PREFIX.to_string(),
            place_script,
            open_script: Script::new(OPEN_WAVE_LUA),
            release_script: Script::new(RELEASE_LUA),
            release_many_script: Script::new(RELEASE_MANY_LUA),
            set_window_script: Script::new(SET_WINDOW_LUA),
            set_quantity_script: Script::new(SET_QUANTITY_LUA),
        })
    }

    /// The same connection with all keys under `prefix` instead (separate sites or tests
    /// sharing one Redis).
    pub fn with_prefix(mut self, prefix: &str) -> Result<RedisStock> {
        if prefix.is_empty() || prefix.contains(['{', '}']) || prefix.contains(char::is_whitespace) {
            return Err(RedisEngineError::InvalidPrefix(prefix.to_string()));
        }
        self.prefix = prefix.to_string();
        Ok(self)
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The shared connection, for other scripts on the same Redis (campaign claims).
    pub(crate) fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// The stream the wave's orders are appended to: `<prefix>:wave:{<id>}:orders`.
    pub fn orders_stream_key(&self, wave_id: i64) -> String {
        self.keys(wave_id).orders
    }

    fn keys(&self, wave_id: i64) -> WaveKeys {
        let base = format!("{}:wave:{{{wave_id}}}", self.prefix);
        WaveKeys {
            state: format!("{base}:state"),
            fans: format!("{base}:fans"),
            idem: format!("{base}:idem"),
            owners: format!("{base}:owners"),
            orders: format!("{base}:orders"),
            fcodes: format!("{base}:fcodes"),
        }
    }

    /// Puts a wave's stock into Redis. Idempotent: a wave that exists is left untouched, so
    /// every node may call this at start without resetting sales in progress.
    pub async fn open_wave(&self, wave: &WaveStock) -> Result<WaveOpened> {
        self.open(wave, false).await
    }

    /// Replaces a wave's state, orders stream included, with fresh stock. Orders in the
    /// stream that were not persisted yet are lost: for re-running a wave, not for one on sale.
    pub async fn reset_wave(&self, wave: &WaveStock) -> Result<WaveOpened> {
        self.open(wave, true).await
    }

    async fn open(&self, wave: &WaveStock, reset: bool) -> Result<WaveOpened> {
        wave.check()?;
        let keys = self.keys(wave.wave_id);
        let created: i64 = self
            .open_script
            .key(&keys.state)
            .key(&keys.fans)
            .key(&keys.idem)
            .key(&keys.owners)
            .key(&keys.orders)
            .key(&keys.fcodes)
            .arg(wave.quantity)
            .arg(wave.fcode_quantity)
            .arg(wave.quantity - wave.fcode_quantity)
            .arg(wave.per_fan_limit)
            .arg(wave.starts_at_ms)
            .arg(wave.ends_at_ms)
            .arg(if reset { "1" } else { "0" })
            .invoke_async(&mut self.connection.clone())
            .await?;
        Ok(if created == 1 { WaveOpened::Created } else { WaveOpened::AlreadyOpen })
    }

    /// Moves a wave's sale window for every node at once: orders before `starts_at_ms` are
    /// `NotOpen` and at or after `ends_at_ms` `Closed` from the next script on. `false` when
    /// Redis does not have the wave.
    pub async fn set_window(&self, wave_id: i64, starts_at_ms: i64, ends_at_ms: i64) -> Result<bool> {
        if starts_at_ms >= ends_at_ms {
            return Err(RedisEngineError::InvalidWave("the wave must start before it ends"));
        }
        let moved: i64 = self
            .set_window_script
            .key(&self.keys(wave_id).state)
            .arg(starts_at_ms)
            .arg(ends_at_ms)
            .invoke_async(&mut self.connection.clone())
            .await?;
        Ok(moved == 1)
    }

    /// Sets a wave's quantity for every node at once, if it is still `was`. The answer is
    /// the script's: 1 set, 0 more general units sold than it leaves them, -2 the quantity
    /// is no longer `was`, -1 Redis does not have the wave.
    pub async fn set_quantity(&self, wave_id: i64, was: u64, quantity: u64) -> Result<i64> {
        Ok(self
            .set_quantity_script
            .key(&self.keys(wave_id).state)
            .arg(quantity)
            .arg(was)
            .invoke_async(&mut self.connection.clone())
            .await?)
    }

    /// Removes every key of a wave (after its orders were persisted, or to clean up tests).
    pub async fn delete_wave(&self, wave_id: i64) -> Result<()> {
        let keys = self.keys(wave_id);
        let _: i64 = redis::cmd("DEL")
            .arg(&keys.state)
            .arg(&keys.fans)
            .arg(&keys.idem)
            .arg(&keys.owners)
            .arg(&keys.orders)
            .arg(&keys.fcodes)
            .query_async(&mut self.connection.clone())
            .await?;
        Ok(())
    }

    /// Tries to place an order, atomically across all nodes. On an error (timeout, lost
    /// connection) the order may or may not have been placed: retry with the same
    /// idempotency key and body to find out, never with a new key.
    pub async fn place(&self, request: &PlaceRequest) -> Result<PlaceOutcome> {
        let keys = self.keys(request.wave_id);
        let reply: Vec<String> = self
            .place_script
            .key(&keys.state)
            .key(&keys.fans)
            .key(&keys.idem)
            .key(&keys.owners)
            .key(&keys.orders)
            .key(&keys.fcodes)
            .arg(request.fan_id)
            .arg(format!("{}:{}", request.fan_id, request.idempotency_key))
            .arg(&request.idempotency_key)
            .arg(&request.body_hash)
            .arg(request.now_ms)
            .arg(request.fcode_id.map(|id| id.to_string()).unwrap_or_default())
            .arg(request.launch.as_deref().unwrap_or(""))
            .invoke_async(&mut self.connection.clone())
            .await?;
        match reply.as_slice() {
            [outcome, seq, replay] if outcome == "placed" => {
                let seq = seq.parse().map_err(|_| unexpected("order number", seq))?;
                Ok(PlaceOutcome::Placed { seq, replay: replay == "1" })
            }
            [outcome] => match outcome.as_str() {
                "sold_out" => Ok(PlaceOutcome::SoldOut),
                "limit" => Ok(PlaceOutcome::LimitReached),
                "key_reused" => Ok(PlaceOutcome::KeyReused),
                "not_open" => Ok(PlaceOutcome::NotOpen),
                "closed" => Ok(PlaceOutcome::Closed),
                "fcode_used" => Ok(PlaceOutcome::FCodeUsed),
                "no_wave" => Err(RedisEngineError::UnknownWave(request.wave_id)),
                other => Err(unexpected("place_order outcome", other)),
            },
            other => Err(unexpected("place_order reply", &format!("{other:?}"))),
        }
    }

    /// Gives back the unit of order `seq` (cancelled or unpaid) to its lane and lowers the
    /// fan's count. Safe to repeat: only the first call releases.
    pub async fn release(&self, wave_id: i64, fan_id: i64, seq: u64) -> Result<ReleaseOutcome> {
        let keys = self.keys(wave_id);
        let reply: String = self
            .release_script
            .key(&keys.state)
            .key(&keys.fans)
            .key(&keys.owners)
            .arg(seq)
            .arg(fan_id)
            .invoke_async(&mut self.connection.clone())
            .await?;
        match reply.as_str() {
            "released" => Ok(ReleaseOutcome::Released),
            "already_released" => Ok(ReleaseOutcome::AlreadyReleased),
            "unknown_order" => Ok(ReleaseOutcome::UnknownOrder),
            "not_owner" => Ok(ReleaseOutcome::NotOwner),
            other => Err(unexpected("release outcome", other)),
        }
    }

    /// Gives back the units of many orders (`(seq, fan id)`) in one call, as [`release`]
    /// would one by one: repeated or foreign orders change nothing. Returns how many went
    /// back.
    ///
    /// [`release`]: RedisStock::release
    pub async fn release_many(&self, wave_id: i64, orders: &[(u64, i64)]) -> Result<u64> {
        if orders.is_empty() {
            return Ok(0);
        }
        let keys = self.keys(wave_id);
        let mut invocation = self.release_many_script.key(&keys.state);
        invocation.key(&keys.fans).key(&keys.owners);
        for (seq, fan) in orders {
            invocation.arg(*seq).arg(*fan);
        }
        Ok(invocation.invoke_async(&mut self.connection.clone()).await?)
    }

    /// The wave's counters, all from one moment.
    pub async fn counters(&self, wave_id: i64) -> Result<WaveCounters> {
        let keys = self.keys(wave_id);
        let fields: Vec<Option<u64>> = redis::cmd("HMGET")
            .arg(&keys.state)
            .arg(&[
                "quantity",
                "fcode_quantity",
                "general_remaining",
                "fcode_remaining",
                "general_sold",
                "fcode_sold",
                "last_seq",
            ])
            .query_async(&mut self.connection.clone())
            .await?;
        let [quantity, fcode_quantity, general_remaining, fcode_remaining, general_sold, fcode_sold, placed] =
            fields.as_slice()
        else {
            return Err(unexpected("HMGET reply", &format!("{fields:?}")));
        };
        let Some(quantity) = *quantity else {
            return Err(RedisEngineError::UnknownWave(wave_id));
        };
        let field = |value: &Option<u64>, name: &str| value.ok_or_else(|| unexpected("missing field", name));
        let fcode_remaining = field(fcode_remaining, "fcode_remaining")?;
        let fcode_sold = field(fcode_sold, "fcode_sold")?;
        Ok(WaveCounters {
            quantity,
            remaining: field(general_remaining, "general_remaining")? + fcode_remaining,
            sold: field(general_sold, "general_sold")? + fcode_sold,
            fcode_quantity: field(fcode_quantity, "fcode_quantity")?,
            fcode_remaining,
            fcode_sold,
            placed: field(placed, "last_seq")?,
        })
    }

    /// Up to `count` orders from the wave's stream, oldest first, after the stream id
    /// `after` (from the start when `None`). The persister calls this in a loop, passing the
    /// last `stream_id` it committed.
    pub async fn read_orders(
        &self,
        wave_id: i64,
        after: Option<&str>,
        count: usize,
    ) -> Result<Vec<StreamOrder>> {
        let start = match after {
            Some(id) => format!("({id}"),
            None => "-".to_string(),
        };
        let entries: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
            .arg(self.keys(wave_id).orders)
            .arg(start)
            .arg("+")
            .arg("COUNT")
            .arg(count)
            .query_async(&mut self.connection.clone())
            .await?;
        entries.into_iter().map(|(stream_id, fields)| parse_order(stream_id, &fields)).collect()
    }
}

fn parse_order(stream_id: String, fields: &[String]) -> Result<StreamOrder> {
    let get = |name: &str| {
        fields
            .chunks_exact(2)
            .find(|pair| pair[0] == name)
            .map(|pair| pair[1].as_str())
            .ok_or_else(|| unexpected("order field missing", name))
    };
    let number = |name: &str| -> Result<i64> {
        let text = get(name)?;
        text.parse().map_err(|_| unexpected(name, text))
    };
    let seq_text = get("seq")?;
    let lane_text = get("lane")?;
    // Entries written before F-codes went through Redis have no `fcode` field.
    let fcode_text = get("fcode").unwrap_or("");
    let fcode_id = match fcode_text {
        "" => None,
        id => Some(id.parse().map_err(|_| unexpected("fcode", id))?),
    };
    Ok(StreamOrder {
        seq: seq_text.parse().map_err(|_| unexpected("seq", seq_text))?,
        fan_id: number("fan")?,
        idempotency_key: get("key")?.to_string(),
        body_hash: get("body_hash")?.to_string(),
        at_ms: number("at")?,
        lane: Lane::parse(lane_text).ok_or_else(|| unexpected("lane", lane_text))?,
        fcode_id,
        launch: Some(get("launch").unwrap_or("")).filter(|l| !l.is_empty()).map(str::to_string),
        stream_id,
    })
}

fn unexpected(what: &str, value: &str) -> RedisEngineError {
    RedisEngineError::UnexpectedReply(format!("{what}: {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wave() -> WaveStock {
        WaveStock {
            wave_id: 1,
            quantity: 10,
            fcode_quantity: 2,
            per_fan_limit: 1,
            starts_at_ms: 0,
            ends_at_ms: 1,
        }
    }

    #[test]
    fn contradictory_waves_are_refused() {
        assert!(wave().check().is_ok());
        let too_many_fcodes = WaveStock { fcode_quantity: 11, ..wave() };
        assert!(matches!(too_many_fcodes.check(), Err(RedisEngineError::InvalidWave(_))));
        let no_limit = WaveStock { per_fan_limit: 0, ..wave() };
        assert!(matches!(no_limit.check(), Err(RedisEngineError::InvalidWave(_))));
        let backwards = WaveStock { starts_at_ms: 5, ends_at_ms: 5, ..wave() };
        assert!(matches!(backwards.check(), Err(RedisEngineError::InvalidWave(_))));
    }

    #[test]
    fn stream_entries_parse() {
        let fields: Vec<String> = [
            "seq",
            "7",
            "fan",
            "42",
            "key",
            "k:1",
            "body_hash",
            "ab",
            "at",
            "1700",
            "lane",
            "fcode",
            "fcode",
            "9",
        ]
        .map(String::from)
        .to_vec();
        let order = parse_order("1-0".into(), &fields).unwrap();
        assert_eq!(
            order,
            StreamOrder {
                stream_id: "1-0".into(),
                seq: 7,
                fan_id: 42,
                idempotency_key: "k:1".into(),
                body_hash: "ab".into(),
                at_ms: 1700,
                lane: Lane::FCode,
                fcode_id: Some(9),
                launch: None,
            }
        );
        let general = parse_order("2-0".into(), &fields[..12]).unwrap();
        assert_eq!((general.lane, general.fcode_id), (Lane::FCode, None), "an entry from before F-codes");
        assert!(matches!(
            parse_order("1-0".into(), &fields[..10]),
            Err(RedisEngineError::UnexpectedReply(_))
        ));
    }
}
