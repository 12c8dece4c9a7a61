//! The pricing reports' queries on every configured backend: sales by city (a row's city, else
//! its channel's), every price and cost change at once.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_core::Role;
use canyu_store::pricing_reports::CitySales;
use canyu_store::testing::{backends, fresh_store};
use canyu_store::{NewChannel, NewPrice, NewProduct, NewSku, NewUser, SaleRow, SkuChange};

fn city(name: Option<&str>, quantity: i64, revenue_fen: i64) -> CitySales {
    CitySales { city: name.map(str::to_string), quantity, revenue_fen }
}

#[tokio::test]
async fn sales_by_city_and_every_price_and_cost_on_every_backend() {
    for backend in backends() {
        let (store, _) = fresh_store(backend).await.unwrap();
        store.create_category("car", "汽车", "Cars").await.unwrap();
        let product = store
            .create_product(NewProduct {
                slug: "xiaomi-su7",
                name: "小米 SU7",
                category_slug: "car",
                tagline: "",
                created_at: 1,
            })
            .await
            .unwrap();
        let staff = store
            .create_user(NewUser {
                handle: "staff",
                email: None,
                password_hash: "x",
                role: Role::Staff,
                bio: "",
                created_at: 1,
            })
            .await
            .unwrap();
        let new_channel =
            |code, city| NewChannel { code, name: code, kind: "own_store", city, fee_bps: 0, created_at: 1 };
        let beijing = store.create_channel(new_channel("store-bj", Some("北京"))).await.unwrap();
        let online = store.channel_by_code("online").await.unwrap().unwrap();
        let sku = store
            .create_sku(NewSku {
                product_id: product.id,
                code: "SU7-STD",
                name: "标准版",
                tier: "mid",
                unit_cost_fen: 100,
                created_by: staff.id,
                created_at: 10,
            })
            .await
            .unwrap();
        let row = |external_id, quantity, sold_at, city| SaleRow {
            external_id,
            sku_id: sku.id,
            quantity,
            unit_price_fen: 1_000,
            unit_cost_fen: 100,
            fee_fen: 0,
            sold_at,
            city,
            order_id: None,
        };
        store
            .record_sales(
                online.id,
                &[
                    row("o-1", 2, 1_000, Some("上海")),
                    row("o-2", 1, 2_000, None),
                    row("o-3", 5, 9_000, Some("上海")), // after the period
                ],
                3,
            )
            .await
            .unwrap();
        store
            .record_sales(beijing.id, &[row("b-1", 3, 1_500, None), row("b-2", 1, 1_600, Some("上海"))], 3)
            .await
            .unwrap();
        let cities = store.sales_by_city(0, 5_000).await.unwrap();
        assert_eq!(
            cities,
            [city(Some("上海"), 3, 3_000), city(Some("北京"), 3, 3_000), city(None, 1, 1_000)],
            "{backend:?}: the shop's rows without a city count in 北京; ties by name, unknown last"
        );
        assert_eq!(store.sales_by_city(9_000, 9_001).await.unwrap(), [city(Some("上海"), 5, 5_000)]);
        assert_eq!(store.sales_by_city(5_000, 9_000).await.unwrap(), []);

        let price = |channel_id, price_fen, effective_at| NewPrice {
            sku_id: sku.id,
            channel_id,
            price_fen,
            effective_at,
            reason: "首发",
            over_cap_reason: None,
            margin_bps: 0,
            created_by: staff.id,
            created_at: effective_at,
        };
        store.add_price(price(online.id, 1_050, 20)).await.unwrap();
        store.add_price(price(beijing.id, 1_040, 15)).await.unwrap();
        store.add_price(price(online.id, 1_020, 30)).await.unwrap();
        let prices = store.all_price_changes().await.unwrap();
        let seen: Vec<(&str, i64, &str)> =
            prices.iter().map(|p| (p.channel.as_str(), p.price_fen, p.created_by.as_str())).collect();
        assert_eq!(
            seen,
            [("store-bj", 1_040, "staff"), ("online", 1_050, "staff"), ("online", 1_020, "staff")]
        );

        let change =
            SkuChange { name: None, tier: None, unit_cost_fen: Some(90), changed_by: staff.id, at: 40 };
        store.change_sku(sku.id, change).await.unwrap();
        let costs = store.all_cost_changes().await.unwrap();
        let seen: Vec<(i64, i64, i64)> =
            costs.iter().map(|c| (c.sku_id, c.change.unit_cost_fen, c.change.effective_at)).collect();
        assert_eq!(seen, [(sku.id, 100, 10), (sku.id, 90, 40)], "{backend:?}");
    }
}
