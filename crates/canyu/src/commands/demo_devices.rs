//! The demo's owned devices (人车家, issue #23): about two in five fans who post about a
//! product own it, for between one and twelve months, so the board shows owner chips and the
//! owners' filter has something to filter. Through the same store call a claim uses.

use crate::error::CliResult;
use canyu_core::Millis;
use canyu_core::ownership::Serial;
use canyu_demo::DemoForum;
use canyu_store::{DeviceClaim, Store};
use std::collections::{HashMap, HashSet};

const DAY: Millis = 86_400_000;

pub async fn load(
    store: &Store,
    forum: &DemoForum,
    product_ids: &HashMap<String, i64>,
    user_ids: &[i64],
) -> CliResult<()> {
    let mut owned: HashSet<(usize, i64)> = HashSet::new();
    let mut serial_no = 0u32;
    for post in &forum.posts {
        let product_id = product_ids[&post.product];
        let fan = post.author;
        // Deterministic, so every demo has the same owners.
        if (fan * 31 + post.product.len() * 7) % 5 >= 2
            || forum.users[fan].role.can_triage()
            || !owned.insert((fan, product_id))
        {
            continue;
        }
        serial_no += 1;
        let prefix: String = post.product.chars().filter(char::is_ascii_alphanumeric).take(8).collect();
        let serial = Serial::parse(&format!("{prefix}-{serial_no:08}"), None).map_err(|e| e.to_string())?;
        let since = post.created_at - (fan as i64 % 12 + 1) * 30 * DAY;
        let claim = DeviceClaim {
            product_id,
            serial: &serial,
            user_id: user_ids[fan],
            purchased_at: Some(since - 2 * DAY),
            staff: None,
            cooling_off_days: 0,
        };
        store.claim_device(claim, since).await?;
    }
    Ok(())
}
