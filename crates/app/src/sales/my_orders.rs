//! A fan's orders in one list: wave orders and launch orders together, each with what it is
//! for (product, SKU by the name fans read) and, for a launch order, its state and deadlines.

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use canyu_store::{LaunchOrder, Order, Product, Wave};
use std::collections::HashMap;

/// The most orders the list shows (newest first).
pub const MY_ORDERS_LIMIT: i64 = 100;

/// One of the caller's orders, as "my orders" shows it.
pub struct MyOrder {
    pub order: Order,
    pub wave: Wave,
    pub product: Product,
    /// A campaign SKU's name (`标准版`), or a plain wave's SKU label (may be empty).
    pub item: String,
    /// The launch order, when the wave belongs to a campaign.
    pub launch: Option<LaunchOrder>,
}

/// The caller's orders, newest first, at most [`MY_ORDERS_LIMIT`].
pub async fn my_orders(app: &App, auth: &Auth) -> AppResult<Vec<MyOrder>> {
    let orders = app.store.orders_of_user(auth.user.id, MY_ORDERS_LIMIT).await?;
    let mut launches: HashMap<i64, LaunchOrder> = app
        .store
        .launch_orders_of_user(auth.user.id, MY_ORDERS_LIMIT)
        .await?
        .into_iter()
        .map(|l| (l.order_id, l))
        .collect();
    // A fan has orders in a handful of waves: one lookup each, not one per order.
    let mut waves: HashMap<i64, Wave> = HashMap::new();
    let mut products: HashMap<i64, Product> = HashMap::new();
    let mut out = Vec::with_capacity(orders.len());
    for order in orders {
        let wave = match waves.get(&order.wave_id) {
            Some(wave) => wave.clone(),
            None => {
                let Some(wave) = app.store.wave(order.wave_id).await? else { continue };
                waves.insert(order.wave_id, wave.clone());
                wave
            }
        };
        let product = match products.get(&wave.product_id) {
            Some(product) => product.clone(),
            None => {
                let Some(product) = crate::catalog::product_by_id(app, wave.product_id).await? else {
                    continue;
                };
                products.insert(wave.product_id, product.clone());
                product
            }
        };
        let mut item = wave.rules.sku.clone();
        if let Some(campaign_id) = wave.campaign_id
            && let Some(campaign) = crate::campaigns::cached(app, campaign_id).await?
            && let Some(sku) = campaign.skus.iter().find(|s| s.code == wave.rules.sku)
        {
            item = sku.name.clone();
        }
        let launch = launches.remove(&order.id);
        out.push(MyOrder { order, wave, product, item, launch });
    }
    Ok(out)
}
