//! The demo's referrals (口碑, issue #23): word of mouth as a community sees it after a few
//! months — a few fans who brought many, invitees who brought their own (a tree three levels
//! deep), most qualified and rewarded through the same calls the vesting job makes, some
//! still pending, one invitee signed up on the referrer's own phone (refused), and a burst
//! of sign-ups from one network waiting in staff's review queue.

use crate::error::CliResult;
use canyu_core::Millis;
use canyu_core::Role;
use canyu_core::referral::{ReferralStatus, RejectReason};
use canyu_demo::DemoForum;
use canyu_store::{NewUser, Store};

const DAY: Millis = 86_400_000;

pub async fn load(
    store: &Store,
    forum: &DemoForum,
    user_ids: &[i64],
    fan_hash: &str,
    now: Millis,
) -> CliResult<()> {
    // Fans only, oldest account first: a referrer always joined before their invitees.
    let mut fans: Vec<usize> =
        (0..forum.users.len()).filter(|&i| !forum.users[i].role.can_triage()).collect();
    fans.sort_by_key(|&i| (forum.users[i].created_at, i));
    if fans.len() < 40 {
        return Ok(());
    }
    let mut qualified = Vec::new();
    // Every fan from the 11th on was brought by an earlier one: the first ten bring most,
    // and every seventh invitee brings friends of their own.
    for (n, &fan) in fans.iter().enumerate().skip(10).take(fans.len() / 3) {
        let referrer = if n % 7 == 0 && n > 20 { fans[n - 9] } else { fans[n % 10] };
        // One in eleven signed up on the referrer's own phone; two in eleven have not ordered yet.
        let (status, reason) = if n % 11 == 0 {
            (ReferralStatus::Rejected, Some(RejectReason::SameDevice))
        } else {
            (ReferralStatus::Pending, None)
        };
        let network = format!("10.{}.{}.0/24", n % 200, n / 200);
        let at = forum.users[fan].created_at;
        let id =
            store.import_referral(user_ids[referrer], user_ids[fan], status, reason, &network, at).await?;
        if n % 11 > 2 {
            qualified.push((id, at));
        }
    }
    // Qualified a week after joining, rewarded as the monthly cap allows.
    for (id, at) in qualified {
        let vested = (at + 8 * DAY).min(now);
        store.qualify_referral(id, None, vested).await?;
        let month = canyu_core::time::Zone::china().month_of(vested).0;
        store.reward_referral(id, canyu_core::referral::DEFAULT_MONTHLY_CAP, month, vested).await?;
    }
    // Within the last hour three accounts signed up with one fan's code from one café's
    // network: the review queue.
    let referrer = user_ids[fans[3]];
    for (k, handle) in ["咖啡店路人A", "咖啡店路人B", "咖啡店路人C"].into_iter().enumerate() {
        let at = now - 50 * 60_000 + k as Millis * 7 * 60_000;
        let user = store
            .create_user(NewUser {
                handle,
                email: None,
                password_hash: fan_hash,
                role: Role::Fan,
                bio: "",
                created_at: at,
            })
            .await?;
        store.import_referral(referrer, user.id, ReferralStatus::Held, None, "203.0.113.0/24", at).await?;
    }
    Ok(())
}
